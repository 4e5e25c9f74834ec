import { MigrationInterface, QueryRunner } from "typeorm";

// Indexes for the log filters the API offers (status, since) and for links by local id. SQLite's
// INTEGER PRIMARY KEY is already 64-bit.
export class LogIndexes1796100000001 implements MigrationInterface {
    name = 'LogIndexes1796100000001'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_record_status" ON "provisioning_record" ("status", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_record_created" ON "provisioning_record" ("createdAt") `);
        await queryRunner.query(`CREATE INDEX "ix_link_local" ON "provisioned_entity" ("localId") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "ix_link_local"`);
        await queryRunner.query(`DROP INDEX "ix_record_created"`);
        await queryRunner.query(`DROP INDEX "ix_record_status"`);
    }
}
