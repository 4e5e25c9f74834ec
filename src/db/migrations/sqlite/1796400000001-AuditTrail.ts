import { MigrationInterface, QueryRunner } from "typeorm";

// The audit trail (issue 11), as in the MariaDB migration of the same name.
export class AuditTrail1796400000001 implements MigrationInterface {
    name = 'AuditTrail1796400000001'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_entry" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "at" datetime(3) NOT NULL DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')), "operation" varchar(64) NOT NULL, "outcome" varchar(32) NOT NULL, "message" text, "actorSubject" varchar(255) NOT NULL, "actorUsername" varchar(255), "actorIssuer" varchar(512) NOT NULL, "actorClientId" varchar(255), "sourceAddress" varchar(64), "tenantDomain" varchar(128), "identityProviderId" char(36), "objectIds" text NOT NULL, "changes" text, "details" text)`);
        for (const [name, columns] of [
            ['ix_audit_at', '"at"'],
            ['ix_audit_tenant', '"tenantDomain", "id"'],
            ['ix_audit_idp', '"identityProviderId", "id"'],
            ['ix_audit_subject', '"actorSubject", "id"'],
            ['ix_audit_username', '"actorUsername", "id"'],
            ['ix_audit_operation', '"operation", "id"'],
        ])
            await queryRunner.query(`CREATE INDEX "${name}" ON "audit_entry" (${columns})`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "audit_entry"`);
    }
}
