// A real InnoDB deadlock on MariaDB: two transactions lock two rows in opposite order, InnoDB
// rolls one back, and retryOnDeadlock runs a statement that was the victim again until it passes.
import { DataSource } from 'typeorm';
import { isDeadlock, retryOnDeadlock } from '../src/db/deadlock';
import { createTestDatabase, type TestDatabase } from './support/database';

describe('a statement chosen as a deadlock victim', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('mariadb');
    ds = new DataSource({ type: 'mariadb', url: db.url, poolSize: 4 });
    await ds.initialize();
    await ds.query('CREATE TABLE pair (id INT PRIMARY KEY, n INT NOT NULL)');
    await ds.query('INSERT INTO pair VALUES (1, 0), (2, 0)');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** Locks row `first`, then (once the other holds its row) row `second`. */
  async function crossing(
    first: number,
    second: number,
    bothHold: Promise<void>,
    held: () => void,
  ) {
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query('UPDATE pair SET n = n + 1 WHERE id = ?', [first]);
      held();
      await bothHold;
      await runner.query('UPDATE pair SET n = n + 1 WHERE id = ?', [second]);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  it('is recognised, and runs again until it passes', async () => {
    let holds = 0;
    let bothHold!: () => void;
    const ready = new Promise<void>((resolve) => (bothHold = resolve));
    const held = () => ++holds === 2 && bothHold();
    const results = await Promise.allSettled([
      crossing(1, 2, ready, held),
      crossing(2, 1, ready, held),
    ]);
    const victim = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    const deadlock = victim.reason as Error;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(isDeadlock(deadlock)).toBe(true);

    let calls = 0;
    const value = await retryOnDeadlock(async () => {
      if (++calls < 3) throw deadlock;
      return 'done';
    });
    expect([value, calls]).toEqual(['done', 3]);
    await expect(retryOnDeadlock(() => Promise.reject(deadlock), 2)).rejects.toBe(deadlock);
    const other = new Error('Duplicate entry');
    await expect(retryOnDeadlock(() => Promise.reject(other))).rejects.toBe(other);
  });
});
