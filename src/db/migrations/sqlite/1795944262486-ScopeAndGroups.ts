import { MigrationInterface, QueryRunner } from "typeorm";

export class ScopeAndGroups1795944262486 implements MigrationInterface {
    name = 'ScopeAndGroups1795944262486'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "uq_identity_provider_tenant_name"`);
        await queryRunner.query(`CREATE TABLE "temporary_identity_provider" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(128) NOT NULL, "tenantDomain" varchar(128) NOT NULL, "description" varchar(1024), "enabled" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), "provisioningRoles" text)`);
        await queryRunner.query(`INSERT INTO "temporary_identity_provider"("id", "name", "tenantDomain", "description", "enabled", "createdAt", "updatedAt") SELECT "id", "name", "tenantDomain", "description", "enabled", "createdAt", "updatedAt" FROM "identity_provider"`);
        await queryRunner.query(`DROP TABLE "identity_provider"`);
        await queryRunner.query(`ALTER TABLE "temporary_identity_provider" RENAME TO "identity_provider"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_identity_provider_tenant_name" ON "identity_provider" ("tenantDomain", "name") `);
        await queryRunner.query(`DROP INDEX "ix_record_connector"`);
        await queryRunner.query(`DROP INDEX "ix_record_local"`);
        await queryRunner.query(`CREATE TABLE "temporary_provisioning_record" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "identityProviderId" varchar, "connectorId" varchar, "connectorType" varchar(64), "operation" varchar(16) NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "provisionedId" varchar(255), "remoteId" varchar(255), "errorCode" varchar(64), "errorMessage" text, "request" text, "durationMs" integer, "source" varchar(255) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`INSERT INTO "temporary_provisioning_record"("id", "identityProviderId", "connectorId", "connectorType", "operation", "entityType", "localId", "status", "attempts", "provisionedId", "remoteId", "errorCode", "errorMessage", "request", "durationMs", "source", "createdAt") SELECT "id", "identityProviderId", "connectorId", "connectorType", "operation", "entityType", "localId", "status", "attempts", "provisionedId", "remoteId", "errorCode", "errorMessage", "request", "durationMs", "source", "createdAt" FROM "provisioning_record"`);
        await queryRunner.query(`DROP TABLE "provisioning_record"`);
        await queryRunner.query(`ALTER TABLE "temporary_provisioning_record" RENAME TO "provisioning_record"`);
        await queryRunner.query(`CREATE INDEX "ix_record_connector" ON "provisioning_record" ("connectorId", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_record_local" ON "provisioning_record" ("localId", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_record_idp" ON "provisioning_record" ("identityProviderId", "id") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "ix_record_idp"`);
        await queryRunner.query(`DROP INDEX "ix_record_local"`);
        await queryRunner.query(`DROP INDEX "ix_record_connector"`);
        await queryRunner.query(`ALTER TABLE "provisioning_record" RENAME TO "temporary_provisioning_record"`);
        await queryRunner.query(`CREATE TABLE "provisioning_record" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "identityProviderId" varchar, "connectorId" varchar, "connectorType" varchar(64), "operation" varchar(8) NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "provisionedId" varchar(255), "remoteId" varchar(255), "errorCode" varchar(64), "errorMessage" text, "request" text, "durationMs" integer, "source" varchar(255) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`INSERT INTO "provisioning_record"("id", "identityProviderId", "connectorId", "connectorType", "operation", "entityType", "localId", "status", "attempts", "provisionedId", "remoteId", "errorCode", "errorMessage", "request", "durationMs", "source", "createdAt") SELECT "id", "identityProviderId", "connectorId", "connectorType", "operation", "entityType", "localId", "status", "attempts", "provisionedId", "remoteId", "errorCode", "errorMessage", "request", "durationMs", "source", "createdAt" FROM "temporary_provisioning_record"`);
        await queryRunner.query(`DROP TABLE "temporary_provisioning_record"`);
        await queryRunner.query(`CREATE INDEX "ix_record_local" ON "provisioning_record" ("localId", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_record_connector" ON "provisioning_record" ("connectorId", "id") `);
        await queryRunner.query(`DROP INDEX "uq_identity_provider_tenant_name"`);
        await queryRunner.query(`ALTER TABLE "identity_provider" RENAME TO "temporary_identity_provider"`);
        await queryRunner.query(`CREATE TABLE "identity_provider" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(128) NOT NULL, "tenantDomain" varchar(128) NOT NULL, "description" varchar(1024), "enabled" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`INSERT INTO "identity_provider"("id", "name", "tenantDomain", "description", "enabled", "createdAt", "updatedAt") SELECT "id", "name", "tenantDomain", "description", "enabled", "createdAt", "updatedAt" FROM "temporary_identity_provider"`);
        await queryRunner.query(`DROP TABLE "temporary_identity_provider"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_identity_provider_tenant_name" ON "identity_provider" ("tenantDomain", "name") `);
    }

}
