import { MigrationInterface, QueryRunner } from 'typeorm';

// A sync converges memberships group by group (issue 9): a group's MEMBER links are found by the
// group's remote id (what a MEMBER link stores) through this index, rather than by scanning every
// membership link of the connector for the group's id at the end of localId. Plain SQL, the same
// in MariaDB, MySQL 8 and SQLite (MySQL 8's key limit: 4 bytes a character, 1,196 of 3,072);
// only SQLite's DROP INDEX names no table.
export class MemberLinksByGroup1796600000000 implements MigrationInterface {
  name = 'MemberLinksByGroup1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX ix_link_remote ON provisioned_entity (connectorId, entityType, remoteId)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection?.options.type === 'better-sqlite3';
    await queryRunner.query(`DROP INDEX ix_link_remote${sqlite ? '' : ' ON provisioned_entity'}`);
  }
}
