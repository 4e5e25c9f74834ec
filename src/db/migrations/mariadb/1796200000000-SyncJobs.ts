import { MigrationInterface, QueryRunner } from "typeorm";

// Syncs (issue 9): the job, and the objects it walked with their outcomes. A unique index on
// activeIdentityProviderId (set only while a sync is RUNNING or NEEDS_CONFIRMATION; NULLs never
// clash) keeps one active sync per identity provider across every sidecar.
export class SyncJobs1796200000000 implements MigrationInterface {
    name = 'SyncJobs1796200000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`sync_job\` (\`id\` char(36) NOT NULL, \`identityProviderId\` char(36) NOT NULL, \`connectorId\` char(36) NULL, \`activeIdentityProviderId\` char(36) NULL, \`status\` varchar(24) NOT NULL, \`dryRun\` tinyint NOT NULL DEFAULT 0, \`triggeredBy\` varchar(16) NOT NULL, \`reason\` text NULL, \`pendingDeletions\` int NULL, \`deletionsConfirmed\` tinyint NOT NULL DEFAULT 0, \`phase\` varchar(16) NOT NULL DEFAULT 'GROUPS', \`walkState\` text NULL, \`leaseOwner\` varchar(64) NULL, \`leaseUntil\` datetime(3) NULL, \`createdAt\` datetime(3) NOT NULL, \`startedAt\` datetime(3) NULL, \`finishedAt\` datetime(3) NULL, \`total\` int NOT NULL DEFAULT 0, \`processed\` int NOT NULL DEFAULT 0, \`created\` int NOT NULL DEFAULT 0, \`updated\` int NOT NULL DEFAULT 0, \`unchanged\` int NOT NULL DEFAULT 0, \`deleted\` int NOT NULL DEFAULT 0, \`skipped\` int NOT NULL DEFAULT 0, \`failed\` int NOT NULL DEFAULT 0, INDEX \`ix_sync_job_idp\` (\`identityProviderId\`, \`createdAt\`), UNIQUE INDEX \`uq_sync_job_active\` (\`activeIdentityProviderId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`sync_object\` (\`jobId\` char(36) NOT NULL, \`entityType\` varchar(8) NOT NULL, \`localId\` varchar(255) NOT NULL, \`outcome\` varchar(16) NULL, PRIMARY KEY (\`jobId\`, \`entityType\`, \`localId\`)) ENGINE=InnoDB`);
        await queryRunner.query(`ALTER TABLE \`sync_job\` ADD CONSTRAINT \`fk_sync_job_idp\` FOREIGN KEY (\`identityProviderId\`) REFERENCES \`identity_provider\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`sync_job\` ADD CONSTRAINT \`fk_sync_job_connector\` FOREIGN KEY (\`connectorId\`) REFERENCES \`connector\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`sync_object\` ADD CONSTRAINT \`fk_sync_object_job\` FOREIGN KEY (\`jobId\`) REFERENCES \`sync_job\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`CREATE INDEX \`ix_record_source\` ON \`provisioning_record\` (\`source\`, \`id\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`ix_record_source\` ON \`provisioning_record\``);
        await queryRunner.query(`DROP TABLE \`sync_object\``);
        await queryRunner.query(`DROP TABLE \`sync_job\``);
    }
}
