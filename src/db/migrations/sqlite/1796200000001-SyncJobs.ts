import { MigrationInterface, QueryRunner } from "typeorm";

// Syncs (issue 9), as in the MariaDB migration of the same name.
export class SyncJobs1796200000001 implements MigrationInterface {
    name = 'SyncJobs1796200000001'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "sync_job" ("id" char(36) PRIMARY KEY NOT NULL, "identityProviderId" char(36) NOT NULL REFERENCES "identity_provider" ("id") ON DELETE CASCADE, "connectorId" char(36) REFERENCES "connector" ("id") ON DELETE CASCADE, "activeIdentityProviderId" char(36), "status" varchar(24) NOT NULL, "dryRun" boolean NOT NULL DEFAULT (0), "triggeredBy" varchar(16) NOT NULL, "reason" text, "pendingDeletions" integer, "deletionsConfirmed" boolean NOT NULL DEFAULT (0), "phase" varchar(16) NOT NULL DEFAULT ('GROUPS'), "walkState" text, "leaseOwner" varchar(64), "leaseUntil" datetime(3), "createdAt" datetime(3) NOT NULL, "startedAt" datetime(3), "finishedAt" datetime(3), "total" integer NOT NULL DEFAULT (0), "processed" integer NOT NULL DEFAULT (0), "created" integer NOT NULL DEFAULT (0), "updated" integer NOT NULL DEFAULT (0), "unchanged" integer NOT NULL DEFAULT (0), "deleted" integer NOT NULL DEFAULT (0), "skipped" integer NOT NULL DEFAULT (0), "failed" integer NOT NULL DEFAULT (0))`);
        await queryRunner.query(`CREATE INDEX "ix_sync_job_idp" ON "sync_job" ("identityProviderId", "createdAt")`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_sync_job_active" ON "sync_job" ("activeIdentityProviderId")`);
        await queryRunner.query(`CREATE TABLE "sync_object" ("jobId" char(36) NOT NULL REFERENCES "sync_job" ("id") ON DELETE CASCADE, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "outcome" varchar(16), PRIMARY KEY ("jobId", "entityType", "localId"))`);
        await queryRunner.query(`CREATE INDEX "ix_record_source" ON "provisioning_record" ("source", "id")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "ix_record_source"`);
        await queryRunner.query(`DROP TABLE "sync_object"`);
        await queryRunner.query(`DROP TABLE "sync_job"`);
    }
}
