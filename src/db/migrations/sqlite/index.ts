// Migrations for sqlite, in order; generated with the TypeORM CLI against sqlite.
import { Init1764403200000 } from './1764403200000-Init';

export const SQLITE_MIGRATIONS = [Init1764403200000];
