// Migrations for mariadb, in order; generated with the TypeORM CLI against mariadb.
import { Init1764403200000 } from './1764403200000-Init';
import { ScopeAndGroups1795944261425 } from './1795944261425-ScopeAndGroups';
import { PortableIdsAndLogIndexes1796100000000 } from './1796100000000-PortableIdsAndLogIndexes';
import { SyncJobs1796200000000 } from './1796200000000-SyncJobs';
import { ConnectorPace1796300000000 } from './1796300000000-ConnectorPace';
import { AuditTrail1796400000000 } from './1796400000000-AuditTrail';
import { SyncUsersFirst1796500000000 } from '../1796500000000-SyncUsersFirst';
import { MemberLinksByGroup1796600000000 } from '../1796600000000-MemberLinksByGroup';

export const MARIADB_MIGRATIONS = [
  Init1764403200000,
  ScopeAndGroups1795944261425,
  PortableIdsAndLogIndexes1796100000000,
  SyncJobs1796200000000,
  ConnectorPace1796300000000,
  AuditTrail1796400000000,
  SyncUsersFirst1796500000000,
  MemberLinksByGroup1796600000000,
];
