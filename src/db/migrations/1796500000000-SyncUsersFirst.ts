import { MigrationInterface, QueryRunner } from 'typeorm';

// A sync now walks users before groups, and converges memberships with their groups (issue 9).
// Open jobs of the earlier order are moved to where the new one would be: a job still walking its
// groups starts on its users (groups follow), and one settling after its users walks the groups
// (with their members) before it settles. Plain SQL, the same in MariaDB, MySQL 8 and SQLite.
export class SyncUsersFirst1796500000000 implements MigrationInterface {
  name = 'SyncUsersFirst1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const open = `status IN ('QUEUED', 'RUNNING', 'NEEDS_CONFIRMATION')`;
    await queryRunner.query(
      `UPDATE sync_job SET phase = 'USERS', walkState = NULL WHERE phase = 'GROUPS' AND ${open}`,
    );
    await queryRunner.query(
      `UPDATE sync_job SET phase = 'USERS_SETTLE', walkState = NULL WHERE phase = 'SETTLE' AND ${open}`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const open = `status IN ('QUEUED', 'RUNNING', 'NEEDS_CONFIRMATION')`;
    // The earlier order walks groups first: open jobs start their walk again from there.
    await queryRunner.query(
      `UPDATE sync_job SET phase = 'GROUPS', walkState = NULL WHERE phase IN ('USERS', 'USERS_SETTLE') AND ${open}`,
    );
  }
}
