import { MigrationInterface, QueryRunner } from "typeorm";

// The audit trail (issue 11): one row per audited mutation, append-only, pruned by age.
export class AuditTrail1796400000000 implements MigrationInterface {
    name = 'AuditTrail1796400000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`audit_entry\` (\`id\` bigint NOT NULL AUTO_INCREMENT, \`at\` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), \`operation\` varchar(64) NOT NULL, \`outcome\` varchar(32) NOT NULL, \`message\` text NULL, \`actorSubject\` varchar(255) NOT NULL, \`actorUsername\` varchar(255) NULL, \`actorIssuer\` varchar(512) NOT NULL, \`actorClientId\` varchar(255) NULL, \`sourceAddress\` varchar(64) NULL, \`tenantDomain\` varchar(128) NULL, \`identityProviderId\` char(36) NULL, \`objectIds\` text NOT NULL, \`changes\` text NULL, \`details\` text NULL, INDEX \`ix_audit_at\` (\`at\`), INDEX \`ix_audit_tenant\` (\`tenantDomain\`, \`id\`), INDEX \`ix_audit_idp\` (\`identityProviderId\`, \`id\`), INDEX \`ix_audit_subject\` (\`actorSubject\`, \`id\`), INDEX \`ix_audit_username\` (\`actorUsername\`, \`id\`), INDEX \`ix_audit_operation\` (\`operation\`, \`id\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`audit_entry\``);
    }
}
