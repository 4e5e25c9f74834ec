// Migrations for sqlite, in order; generated with the TypeORM CLI against sqlite.
import { Init1764403200000 } from './1764403200000-Init';
import { ScopeAndGroups1795944262486 } from './1795944262486-ScopeAndGroups';
import { LogIndexes1796100000001 } from './1796100000001-LogIndexes';
import { SyncJobs1796200000001 } from './1796200000001-SyncJobs';
import { ConnectorPace1796300000001 } from './1796300000001-ConnectorPace';
import { AuditTrail1796400000001 } from './1796400000001-AuditTrail';
import { SyncUsersFirst1796500000000 } from '../1796500000000-SyncUsersFirst';
import { MemberLinksByGroup1796600000000 } from '../1796600000000-MemberLinksByGroup';

export const SQLITE_MIGRATIONS = [
  Init1764403200000,
  ScopeAndGroups1795944262486,
  LogIndexes1796100000001,
  SyncJobs1796200000001,
  ConnectorPace1796300000001,
  AuditTrail1796400000001,
  SyncUsersFirst1796500000000,
  MemberLinksByGroup1796600000000,
];
