// GraphQL shapes of the provisioning log query: a filter, and Relay-style pages, newest first.
import { IsOptional, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ProvisioningRecord } from './provisioning-record.entity';
import { ProvisioningError, ProvisioningStatus } from './test-provisioning.types';

@InputType({ description: 'Every field narrows the log; all are optional' })
export class ProvisioningLogFilter {
  @Field(() => ID, { nullable: true, description: 'Only records of this identity provider' })
  identityProviderId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only records of this connector' })
  connectorId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Only records of this Keycloak user or group id',
  })
  @IsOptional()
  @Length(1, 255)
  localId?: string | null;

  @Field(() => ProvisioningStatus, {
    nullable: true,
    description: 'Only records that ended so, e.g. FAILED',
  })
  status?: ProvisioningStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only what this sync did' })
  syncJobId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only records written at or after this time' })
  since?: Date | null;
}

@ObjectType({ description: 'One record of the provisioning log and its place in the list' })
export class ProvisioningRecordEdge {
  @Field({ description: "The record's position: pass it as after to continue past it" })
  cursor: string;
  @Field(() => ProvisioningRecord, { description: 'The record' }) node: ProvisioningRecord;
}

@ObjectType({ description: 'Where a page ends, and whether more follow' })
export class PageInfo {
  @Field(() => String, {
    nullable: true,
    description:
      "The last edge's cursor, to pass as after for the next page; null on an empty page",
  })
  endCursor: string | null;
  @Field({ description: 'Whether another page follows' }) hasNextPage: boolean;
}

@ObjectType({ description: 'Provisioning records, newest first' })
export class ProvisioningLogPage {
  @Field(() => [ProvisioningRecordEdge], { description: 'The records of this page' })
  edges: ProvisioningRecordEdge[];
  @Field(() => PageInfo, { description: 'Where this page ends' }) pageInfo: PageInfo;
}

@ObjectType({ description: 'What replaying one failed record did' })
export class ReplayResult {
  @Field(() => ID, { description: 'The id of the FAILED record replayed' }) recordId: string;
  @Field(() => ProvisioningStatus, { description: 'How the replay ended' })
  status: ProvisioningStatus;
  @Field(() => String, {
    nullable: true,
    description: 'Why it was SKIPPED (e.g. a membership that no longer holds), or a note',
  })
  reason: string | null;
  @Field(() => ProvisioningError, {
    nullable: true,
    description: 'What went wrong when it FAILED again; null otherwise',
  })
  error: ProvisioningError | null;
}
