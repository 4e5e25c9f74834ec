import { MigrationInterface, QueryRunner } from "typeorm";

export class ScopeAndGroups1795944261425 implements MigrationInterface {
    name = 'ScopeAndGroups1795944261425'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`identity_provider\` ADD \`provisioningRoles\` text NULL`);
        // Widened in place (the generator drops and re-adds it, which would lose the log's operations).
        await queryRunner.query(`ALTER TABLE \`provisioning_record\` MODIFY \`operation\` varchar(16) NOT NULL`);
        await queryRunner.query(`CREATE INDEX \`ix_record_idp\` ON \`provisioning_record\` (\`identityProviderId\`, \`id\`)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX \`ix_record_idp\` ON \`provisioning_record\``);
        await queryRunner.query(`ALTER TABLE \`provisioning_record\` MODIFY \`operation\` varchar(8) NOT NULL`);
        await queryRunner.query(`ALTER TABLE \`identity_provider\` DROP COLUMN \`provisioningRoles\``);
    }

}
