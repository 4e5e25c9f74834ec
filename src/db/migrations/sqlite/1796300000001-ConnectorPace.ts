import { MigrationInterface, QueryRunner } from "typeorm";

// A connector's pace (issue 9): requests a second to its target; NULL uses the type's default.
export class ConnectorPace1796300000001 implements MigrationInterface {
    name = 'ConnectorPace1796300000001'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connector" ADD COLUMN "maxRequestsPerSecond" double`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connector" DROP COLUMN "maxRequestsPerSecond"`);
    }
}
