// Migrations for mariadb, in order; generated with the TypeORM CLI against mariadb.
import { Init1764403200000 } from './1764403200000-Init';

export const MARIADB_MIGRATIONS = [Init1764403200000];
