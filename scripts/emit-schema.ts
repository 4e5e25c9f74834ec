// Writes schema/schema.graphql from the resolvers (npm run schema:emit).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSchema, printSdl } from '../src/graphql/schema';

void createSchema(null).then((schema) => {
  const target = path.resolve(__dirname, '../../schema/schema.graphql');
  writeFileSync(target, printSdl(schema));
  console.log(`wrote ${target}`);
});
