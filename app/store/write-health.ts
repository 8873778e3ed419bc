/**
 * Remembers why the last write failed, until a write succeeds again, so `/api/health-check` can say the store
 * can't write (disk full, I/O error, database gone) while reads still work. Both drivers use it; each says which
 * of its errors are the store's own failures, as opposed to a constraint violation or a bad statement.
 */

/** Turns a driver error into a short, showable reason when it is a storage failure; null when it is not. */
export type StorageFailureDescriber = (error: unknown) => string | null;

export class WriteHealth {
  private failure: string | null = null;

  constructor(private readonly describe: StorageFailureDescriber) {}

  /** A write statement, or a transaction that wrote, has committed. */
  succeeded(): void {
    this.failure = null;
  }

  /** A write statement, a transaction or its COMMIT threw `error`. */
  failed(error: unknown): void {
    const reason = this.describe(error);
    if (reason) this.failure = `${reason} (at ${new Date().toISOString()})`;
  }

  current(): string | null {
    return this.failure;
  }
}

const WRITE = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
const WITH_WRITE = /^\s*with\b[\s\S]*\b(insert|update|delete)\b/i;

/** Whether a statement writes: only writes clear a recorded failure, since only a write proves writing works. */
export function isWriteStatement(sql: string): boolean {
  return WRITE.test(sql) || WITH_WRITE.test(sql);
}
