// Data source for the TypeORM CLI (migration:generate); DATABASE_URL picks the dialect.
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';

export default createDataSource(
  loadConfig({ ...process.env, SECRETS_KEY: Buffer.alloc(32).toString('base64') }).database,
);
