import { MigrationInterface, QueryRunner } from "typeorm";

// Ids as char(36), which MySQL 8 has and MariaDB's own uuid type is not (databases made before
// this migration have uuid columns; on others these changes are no-ops); a 64-bit log id; indexes
// for the log filters the API offers (status, since) and for links by local id.
export const FOREIGN_KEYS = [
    ['connector', 'FK_2e6c196ed5de192caa7cab59af8', 'identityProviderId', 'identity_provider'],
    ['claim_mapping', 'FK_ab6897a71ad5b4dc8bd851b1391', 'identityProviderId', 'identity_provider'],
    ['provisioned_entity', 'FK_4f67e0a080c4c20ef120312b817', 'connectorId', 'connector'],
];
export const ID_COLUMNS: [string, string, 'NULL' | 'NOT NULL'][] = [
    ['identity_provider', 'id', 'NOT NULL'],
    ['connector', 'id', 'NOT NULL'],
    ['connector', 'identityProviderId', 'NOT NULL'],
    ['claim_mapping', 'id', 'NOT NULL'],
    ['claim_mapping', 'identityProviderId', 'NOT NULL'],
    ['provisioned_entity', 'id', 'NOT NULL'],
    ['provisioned_entity', 'connectorId', 'NOT NULL'],
    ['provisioning_record', 'identityProviderId', 'NULL'],
    ['provisioning_record', 'connectorId', 'NULL'],
];

/** Gives every id column this type; the foreign keys over them are dropped and restored around it. */
export async function setIdColumnType(queryRunner: QueryRunner, type: string): Promise<void> {
    for (const [table, name] of FOREIGN_KEYS)
        await queryRunner.query(`ALTER TABLE \`${table}\` DROP FOREIGN KEY \`${name}\``);
    for (const [table, column, nullable] of ID_COLUMNS)
        await queryRunner.query(`ALTER TABLE \`${table}\` MODIFY \`${column}\` ${type} ${nullable}`);
    for (const [table, name, column, parent] of FOREIGN_KEYS)
        await queryRunner.query(`ALTER TABLE \`${table}\` ADD CONSTRAINT \`${name}\` FOREIGN KEY (\`${column}\`) REFERENCES \`${parent}\`(\`id\`) ON DELETE CASCADE ON UPDATE NO ACTION`);
}

export class PortableIdsAndLogIndexes1796100000000 implements MigrationInterface {
    name = 'PortableIdsAndLogIndexes1796100000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await setIdColumnType(queryRunner, 'char(36)');
        await queryRunner.query(`ALTER TABLE \`provisioning_record\` MODIFY \`id\` bigint NOT NULL AUTO_INCREMENT`);
        await queryRunner.query(`CREATE INDEX \`ix_record_status\` ON \`provisioning_record\` (\`status\`, \`id\`)`);
        await queryRunner.query(`CREATE INDEX \`ix_record_created\` ON \`provisioning_record\` (\`createdAt\`)`);
        await queryRunner.query(`CREATE INDEX \`ix_link_local\` ON \`provisioned_entity\` (\`localId\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        // The ids stay char(36): MariaDB reads them as before, and MySQL has no uuid type.
        await queryRunner.query(`DROP INDEX \`ix_link_local\` ON \`provisioned_entity\``);
        await queryRunner.query(`DROP INDEX \`ix_record_created\` ON \`provisioning_record\``);
        await queryRunner.query(`DROP INDEX \`ix_record_status\` ON \`provisioning_record\``);
        await queryRunner.query(`ALTER TABLE \`provisioning_record\` MODIFY \`id\` int NOT NULL AUTO_INCREMENT`);
    }
}
