// InnoDB resolves two statements that lock the same rows in opposite order by rolling one back
// (ER_LOCK_DEADLOCK, "try restarting transaction"). A sync's runner records a page's objects
// while sidecars store earlier pages' outcomes in the same table, and InnoDB's gap locks can
// cross: a single statement chosen as the victim is rolled back whole, so running it again is safe.

/** MySQL's and MariaDB's error number for a deadlock. */
const ER_LOCK_DEADLOCK = 1213;

export function isDeadlock(error: unknown): boolean {
  const e = error as { errno?: number; driverError?: { errno?: number } } | null;
  return (e?.driverError?.errno ?? e?.errno) === ER_LOCK_DEADLOCK;
}

/** Runs one autocommitted statement again (up to `attempts` in all) while it is a deadlock's victim. */
export async function retryOnDeadlock<T>(statement: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
    }
  }
}
