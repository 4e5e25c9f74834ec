// GraphQL shapes of the audit trail's query.
import { MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { PageInfo } from '../provisioning/provisioning-history.types';
import { AuditEntry } from './audit-entry.entity';

@InputType({ description: 'Every field narrows the trail; all are optional' })
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Only entries of this tenant (realm)' })
  @MaxLength(128)
  tenantDomain?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only entries about this identity provider' })
  identityProviderId?: string | null;

  @Field(() => String, { nullable: true, description: "A caller's token subject or username" })
  @MaxLength(255)
  actor?: string | null;

  @Field(() => String, { nullable: true, description: 'A mutation name, e.g. removeConnector' })
  @MaxLength(64)
  operation?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only entries at or after this time' })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only entries before this time' })
  until?: Date | null;
}

@ObjectType({ description: 'One audit entry and its place in the trail' })
export class AuditEntryEdge {
  @Field({ description: "The entry's position: pass it as after to continue past it" })
  cursor: string;
  @Field(() => AuditEntry, { description: 'The entry' }) node: AuditEntry;
}

@ObjectType({ description: 'A page of the audit trail, newest first' })
export class AuditLogPage {
  @Field(() => [AuditEntryEdge], { description: 'The entries of this page' })
  edges: AuditEntryEdge[];
  @Field(() => PageInfo, { description: 'Where this page ends' }) pageInfo: PageInfo;
}
