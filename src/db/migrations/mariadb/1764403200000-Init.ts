import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1764403200000 implements MigrationInterface {
    name = 'Init1764403200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`identity_provider\` (\`id\` char(36) NOT NULL, \`name\` varchar(128) NOT NULL, \`tenantDomain\` varchar(128) NOT NULL, \`description\` varchar(1024) NULL, \`enabled\` tinyint NOT NULL DEFAULT 1, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), UNIQUE INDEX \`uq_identity_provider_tenant_name\` (\`tenantDomain\`, \`name\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`connector\` (\`id\` char(36) NOT NULL, \`identityProviderId\` char(36) NOT NULL, \`type\` varchar(64) NOT NULL, \`enabled\` tinyint NOT NULL DEFAULT 1, \`config\` text NOT NULL, \`secrets\` text NULL, \`version\` int NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), UNIQUE INDEX \`uq_connector_idp_type\` (\`identityProviderId\`, \`type\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`claim_mapping\` (\`id\` char(36) NOT NULL, \`identityProviderId\` char(36) NOT NULL, \`position\` int NOT NULL, \`remoteClaim\` varchar(255) NOT NULL, \`localClaim\` varchar(255) NULL, \`defaultValue\` varchar(1024) NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`provisioned_entity\` (\`id\` char(36) NOT NULL, \`connectorId\` char(36) NOT NULL, \`entityType\` varchar(8) NOT NULL, \`localId\` varchar(255) NOT NULL, \`remoteId\` varchar(255) NOT NULL, \`remoteName\` varchar(255) NULL, \`lastSyncedAt\` datetime NOT NULL, \`attributesHash\` varchar(64) NULL, UNIQUE INDEX \`uq_provisioned_entity\` (\`connectorId\`, \`entityType\`, \`localId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`CREATE TABLE \`provisioning_record\` (\`id\` int NOT NULL AUTO_INCREMENT, \`identityProviderId\` char(36) NULL, \`connectorId\` char(36) NULL, \`connectorType\` varchar(64) NULL, \`operation\` varchar(8) NOT NULL, \`entityType\` varchar(8) NOT NULL, \`localId\` varchar(255) NOT NULL, \`status\` varchar(10) NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`provisionedId\` varchar(255) NULL, \`remoteId\` varchar(255) NULL, \`errorCode\` varchar(64) NULL, \`errorMessage\` text NULL, \`request\` text NULL, \`durationMs\` int NULL, \`source\` varchar(255) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), INDEX \`ix_record_local\` (\`localId\`, \`id\`), INDEX \`ix_record_connector\` (\`connectorId\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
        await queryRunner.query(`ALTER TABLE \`connector\` ADD CONSTRAINT \`FK_2e6c196ed5de192caa7cab59af8\` FOREIGN KEY (\`identityProviderId\`) REFERENCES \`identity_provider\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`claim_mapping\` ADD CONSTRAINT \`FK_ab6897a71ad5b4dc8bd851b1391\` FOREIGN KEY (\`identityProviderId\`) REFERENCES \`identity_provider\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE \`provisioned_entity\` ADD CONSTRAINT \`FK_4f67e0a080c4c20ef120312b817\` FOREIGN KEY (\`connectorId\`) REFERENCES \`connector\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`provisioned_entity\` DROP FOREIGN KEY \`FK_4f67e0a080c4c20ef120312b817\``);
        await queryRunner.query(`ALTER TABLE \`claim_mapping\` DROP FOREIGN KEY \`FK_ab6897a71ad5b4dc8bd851b1391\``);
        await queryRunner.query(`ALTER TABLE \`connector\` DROP FOREIGN KEY \`FK_2e6c196ed5de192caa7cab59af8\``);
        await queryRunner.query(`DROP INDEX \`ix_record_connector\` ON \`provisioning_record\``);
        await queryRunner.query(`DROP INDEX \`ix_record_local\` ON \`provisioning_record\``);
        await queryRunner.query(`DROP TABLE \`provisioning_record\``);
        await queryRunner.query(`DROP INDEX \`uq_provisioned_entity\` ON \`provisioned_entity\``);
        await queryRunner.query(`DROP TABLE \`provisioned_entity\``);
        await queryRunner.query(`DROP TABLE \`claim_mapping\``);
        await queryRunner.query(`DROP INDEX \`uq_connector_idp_type\` ON \`connector\``);
        await queryRunner.query(`DROP TABLE \`connector\``);
        await queryRunner.query(`DROP INDEX \`uq_identity_provider_tenant_name\` ON \`identity_provider\``);
        await queryRunner.query(`DROP TABLE \`identity_provider\``);
    }

}
