// The one way into a database transaction. better-sqlite3 runs every query of the process on one
// connection, and TypeORM hands two transactions started at once the same query runner, so they
// would break each other ("cannot start a transaction within a transaction"): on SQLite they run
// one after the other. MariaDB and MySQL give each transaction a connection of its own.
import type { DataSource, EntityManager } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();

export function transaction<T>(
  dataSource: DataSource,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3') return dataSource.transaction(work);
  const previous = queues.get(dataSource) ?? Promise.resolve();
  const run = previous.then(() => dataSource.transaction(work));
  queues.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}
