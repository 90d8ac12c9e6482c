import type { DeadLetter, DeadLetterQuery } from './runtime.js';

/**
 * Where a runtime keeps the events a projection could not process. Adapters: in memory
 * ({@link InMemoryDeadLetterStore}) and SQLite (`SqliteDeadLetterStore` in
 * `@memfabric/projections-sqlite`, the embedded runtime's table); both pass
 * `deadLetterStoreContract` in `@memfabric/projections/testing`.
 */
export interface DeadLetterStore {
  /**
   * Records dead letters. Idempotent on (projection, generation, event id): a redelivered batch
   * records nothing twice and the first entry (its reason and time) is kept.
   * @throws an error with `retriable: true` when the store is unreachable.
   */
  record(letters: readonly DeadLetter[]): Promise<void>;

  /** Entries of one generation by offset (then partition), after `query.afterOffset`, at most `query.limit` (default 100). */
  list(projection: string, generation: number, query?: Omit<DeadLetterQuery, 'generation'>): Promise<DeadLetter[]>;

  /** Number of entries of one generation. */
  count(projection: string, generation: number): Promise<number>;
}

const keyOf = (l: Pick<DeadLetter, 'projection' | 'generation' | 'eventId'>): string => JSON.stringify([l.projection, l.generation, l.eventId]);

/** A {@link DeadLetterStore} in process memory (tests, single-process tools). */
export class InMemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();

  record(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) if (!this.letters.has(keyOf(letter))) this.letters.set(keyOf(letter), { ...letter });
    return Promise.resolve();
  }

  list(projection: string, generation: number, query: Omit<DeadLetterQuery, 'generation'> = {}): Promise<DeadLetter[]> {
    const after = query.afterOffset ?? -1;
    const rows = [...this.letters.values()]
      .filter((l) => l.projection === projection && l.generation === generation && l.offset > after)
      .sort((a, b) => a.offset - b.offset || a.partition - b.partition);
    return Promise.resolve(rows.slice(0, query.limit ?? 100));
  }

  count(projection: string, generation: number): Promise<number> {
    let n = 0;
    for (const l of this.letters.values()) if (l.projection === projection && l.generation === generation) n += 1;
    return Promise.resolve(n);
  }
}
