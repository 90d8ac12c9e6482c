import type { AnalyticsStore, QueryLogRow } from './port.js';

/** Options of {@link QueryLogBuffer}. */
export interface QueryLogBufferOptions {
  /** Rows buffered before one insert; default 200. */
  readonly batch?: number;
  /** Longest a row waits in the buffer, ms; default 500. */
  readonly flushMs?: number;
  /** Called when an insert fails (the recall itself has been answered); must not throw. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Buffers query-log rows and inserts them into the analytics store in batches: an analytics
 * insert per recall would cost more than the recall. Rows are inserted in arrival order; a failed
 * insert is reported to `onError` and its rows are dropped (the query log is telemetry, not
 * the system of record).
 */
export class QueryLogBuffer {
  private readonly buffer: QueryLogRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<AnalyticsStore, 'insertQueries'>,
    private readonly options: QueryLogBufferOptions = {},
  ) {}

  /** Adds one row; inserts when the batch is full or after `flushMs`. Never throws. */
  add(row: QueryLogRow): void {
    this.buffer.push(row);
    if (this.buffer.length >= (this.options.batch ?? 200)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 500).unref();
  }

  /** Inserts every buffered row; resolves when they are stored (errors go to `onError`). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer.splice(0);
    if (rows.length > 0) {
      this.flushing = this.flushing.then(() => this.store.insertQueries(rows).catch((error: unknown) => this.options.onError?.(error)));
    }
    return this.flushing;
  }
}
