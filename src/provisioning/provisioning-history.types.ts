// GraphQL shapes of the provisioning log query: a filter, and Relay-style pages, newest first.
import { IsOptional, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { ProvisioningRecord } from './provisioning-record.entity';
import { ProvisioningError, ProvisioningStatus } from './test-provisioning.types';

@InputType()
export class ProvisioningLogFilter {
  @Field(() => ID, { nullable: true }) identityProviderId?: string | null;
  @Field(() => ID, { nullable: true }) connectorId?: string | null;

  @Field(() => String, { nullable: true, description: 'The Keycloak user or group id' })
  @IsOptional()
  @Length(1, 255)
  localId?: string | null;

  @Field(() => ProvisioningStatus, { nullable: true }) status?: ProvisioningStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only what this sync did' })
  syncJobId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only records written at or after this time' })
  since?: Date | null;
}

@ObjectType()
export class ProvisioningRecordEdge {
  @Field() cursor: string;
  @Field(() => ProvisioningRecord) node: ProvisioningRecord;
}

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true }) endCursor: string | null;
  @Field() hasNextPage: boolean;
}

@ObjectType({ description: 'Provisioning records, newest first' })
export class ProvisioningLogPage {
  @Field(() => [ProvisioningRecordEdge]) edges: ProvisioningRecordEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType({ description: 'What replaying one failed record did' })
export class ReplayResult {
  @Field(() => ID) recordId: string;
  @Field(() => ProvisioningStatus) status: ProvisioningStatus;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => ProvisioningError, { nullable: true }) error: ProvisioningError | null;
}
