import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1764403200000 implements MigrationInterface {
    name = 'Init1764403200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "identity_provider" ("id" varchar PRIMARY KEY NOT NULL, "name" varchar(128) NOT NULL, "tenantDomain" varchar(128) NOT NULL, "description" varchar(1024), "enabled" boolean NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_identity_provider_tenant_name" ON "identity_provider" ("tenantDomain", "name") `);
        await queryRunner.query(`CREATE TABLE "connector" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "type" varchar(64) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "config" text NOT NULL, "secrets" text, "version" integer NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_connector_idp_type" ON "connector" ("identityProviderId", "type") `);
        await queryRunner.query(`CREATE TABLE "claim_mapping" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "position" integer NOT NULL, "remoteClaim" varchar(255) NOT NULL, "localClaim" varchar(255), "defaultValue" varchar(1024))`);
        await queryRunner.query(`CREATE TABLE "provisioned_entity" ("id" varchar PRIMARY KEY NOT NULL, "connectorId" varchar NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "remoteId" varchar(255) NOT NULL, "remoteName" varchar(255), "lastSyncedAt" datetime NOT NULL, "attributesHash" varchar(64))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_provisioned_entity" ON "provisioned_entity" ("connectorId", "entityType", "localId") `);
        await queryRunner.query(`CREATE TABLE "provisioning_record" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "identityProviderId" varchar, "connectorId" varchar, "connectorType" varchar(64), "operation" varchar(8) NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "status" varchar(10) NOT NULL, "attempts" integer NOT NULL DEFAULT (0), "provisionedId" varchar(255), "remoteId" varchar(255), "errorCode" varchar(64), "errorMessage" text, "request" text, "durationMs" integer, "source" varchar(255) NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`CREATE INDEX "ix_record_local" ON "provisioning_record" ("localId", "id") `);
        await queryRunner.query(`CREATE INDEX "ix_record_connector" ON "provisioning_record" ("connectorId", "id") `);
        await queryRunner.query(`DROP INDEX "uq_connector_idp_type"`);
        await queryRunner.query(`CREATE TABLE "temporary_connector" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "type" varchar(64) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "config" text NOT NULL, "secrets" text, "version" integer NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')), CONSTRAINT "FK_2e6c196ed5de192caa7cab59af8" FOREIGN KEY ("identityProviderId") REFERENCES "identity_provider" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
        await queryRunner.query(`INSERT INTO "temporary_connector"("id", "identityProviderId", "type", "enabled", "config", "secrets", "version", "createdAt", "updatedAt") SELECT "id", "identityProviderId", "type", "enabled", "config", "secrets", "version", "createdAt", "updatedAt" FROM "connector"`);
        await queryRunner.query(`DROP TABLE "connector"`);
        await queryRunner.query(`ALTER TABLE "temporary_connector" RENAME TO "connector"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_connector_idp_type" ON "connector" ("identityProviderId", "type") `);
        await queryRunner.query(`CREATE TABLE "temporary_claim_mapping" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "position" integer NOT NULL, "remoteClaim" varchar(255) NOT NULL, "localClaim" varchar(255), "defaultValue" varchar(1024), CONSTRAINT "FK_ab6897a71ad5b4dc8bd851b1391" FOREIGN KEY ("identityProviderId") REFERENCES "identity_provider" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
        await queryRunner.query(`INSERT INTO "temporary_claim_mapping"("id", "identityProviderId", "position", "remoteClaim", "localClaim", "defaultValue") SELECT "id", "identityProviderId", "position", "remoteClaim", "localClaim", "defaultValue" FROM "claim_mapping"`);
        await queryRunner.query(`DROP TABLE "claim_mapping"`);
        await queryRunner.query(`ALTER TABLE "temporary_claim_mapping" RENAME TO "claim_mapping"`);
        await queryRunner.query(`DROP INDEX "uq_provisioned_entity"`);
        await queryRunner.query(`CREATE TABLE "temporary_provisioned_entity" ("id" varchar PRIMARY KEY NOT NULL, "connectorId" varchar NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "remoteId" varchar(255) NOT NULL, "remoteName" varchar(255), "lastSyncedAt" datetime NOT NULL, "attributesHash" varchar(64), CONSTRAINT "FK_4f67e0a080c4c20ef120312b817" FOREIGN KEY ("connectorId") REFERENCES "connector" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`);
        await queryRunner.query(`INSERT INTO "temporary_provisioned_entity"("id", "connectorId", "entityType", "localId", "remoteId", "remoteName", "lastSyncedAt", "attributesHash") SELECT "id", "connectorId", "entityType", "localId", "remoteId", "remoteName", "lastSyncedAt", "attributesHash" FROM "provisioned_entity"`);
        await queryRunner.query(`DROP TABLE "provisioned_entity"`);
        await queryRunner.query(`ALTER TABLE "temporary_provisioned_entity" RENAME TO "provisioned_entity"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_provisioned_entity" ON "provisioned_entity" ("connectorId", "entityType", "localId") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "uq_provisioned_entity"`);
        await queryRunner.query(`ALTER TABLE "provisioned_entity" RENAME TO "temporary_provisioned_entity"`);
        await queryRunner.query(`CREATE TABLE "provisioned_entity" ("id" varchar PRIMARY KEY NOT NULL, "connectorId" varchar NOT NULL, "entityType" varchar(8) NOT NULL, "localId" varchar(255) NOT NULL, "remoteId" varchar(255) NOT NULL, "remoteName" varchar(255), "lastSyncedAt" datetime NOT NULL, "attributesHash" varchar(64))`);
        await queryRunner.query(`INSERT INTO "provisioned_entity"("id", "connectorId", "entityType", "localId", "remoteId", "remoteName", "lastSyncedAt", "attributesHash") SELECT "id", "connectorId", "entityType", "localId", "remoteId", "remoteName", "lastSyncedAt", "attributesHash" FROM "temporary_provisioned_entity"`);
        await queryRunner.query(`DROP TABLE "temporary_provisioned_entity"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_provisioned_entity" ON "provisioned_entity" ("connectorId", "entityType", "localId") `);
        await queryRunner.query(`ALTER TABLE "claim_mapping" RENAME TO "temporary_claim_mapping"`);
        await queryRunner.query(`CREATE TABLE "claim_mapping" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "position" integer NOT NULL, "remoteClaim" varchar(255) NOT NULL, "localClaim" varchar(255), "defaultValue" varchar(1024))`);
        await queryRunner.query(`INSERT INTO "claim_mapping"("id", "identityProviderId", "position", "remoteClaim", "localClaim", "defaultValue") SELECT "id", "identityProviderId", "position", "remoteClaim", "localClaim", "defaultValue" FROM "temporary_claim_mapping"`);
        await queryRunner.query(`DROP TABLE "temporary_claim_mapping"`);
        await queryRunner.query(`DROP INDEX "uq_connector_idp_type"`);
        await queryRunner.query(`ALTER TABLE "connector" RENAME TO "temporary_connector"`);
        await queryRunner.query(`CREATE TABLE "connector" ("id" varchar PRIMARY KEY NOT NULL, "identityProviderId" varchar NOT NULL, "type" varchar(64) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "config" text NOT NULL, "secrets" text, "version" integer NOT NULL, "createdAt" datetime NOT NULL DEFAULT (datetime('now')), "updatedAt" datetime NOT NULL DEFAULT (datetime('now')))`);
        await queryRunner.query(`INSERT INTO "connector"("id", "identityProviderId", "type", "enabled", "config", "secrets", "version", "createdAt", "updatedAt") SELECT "id", "identityProviderId", "type", "enabled", "config", "secrets", "version", "createdAt", "updatedAt" FROM "temporary_connector"`);
        await queryRunner.query(`DROP TABLE "temporary_connector"`);
        await queryRunner.query(`CREATE UNIQUE INDEX "uq_connector_idp_type" ON "connector" ("identityProviderId", "type") `);
        await queryRunner.query(`DROP INDEX "ix_record_connector"`);
        await queryRunner.query(`DROP INDEX "ix_record_local"`);
        await queryRunner.query(`DROP TABLE "provisioning_record"`);
        await queryRunner.query(`DROP INDEX "uq_provisioned_entity"`);
        await queryRunner.query(`DROP TABLE "provisioned_entity"`);
        await queryRunner.query(`DROP TABLE "claim_mapping"`);
        await queryRunner.query(`DROP INDEX "uq_connector_idp_type"`);
        await queryRunner.query(`DROP TABLE "connector"`);
        await queryRunner.query(`DROP INDEX "uq_identity_provider_tenant_name"`);
        await queryRunner.query(`DROP TABLE "identity_provider"`);
    }

}
