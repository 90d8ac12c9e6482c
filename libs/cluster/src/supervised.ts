import pRetry from 'p-retry';
import { ConfigurationError, MemfabricError, UnavailableError } from '@memfabric/errors';

/** Options of {@link Supervised}. */
export interface SupervisedOptions {
  /** What is being opened, for messages (e.g. `read side`, `event log`). */
  readonly name: string;
  /** First delay between attempts, in ms; doubles up to {@link maxDelayMs}. */
  readonly initialDelayMs: number;
  /** Longest delay between attempts, in ms. */
  readonly maxDelayMs: number;
  /** Told about every failed attempt (logs); must not throw. */
  readonly onFailedAttempt?: (error: unknown, attempt: number, nextDelayMs: number) => void;
}

/** What {@link Supervised.state} reports (readiness). */
export type SupervisedState =
  | { readonly state: 'opening'; readonly attempts: number; readonly lastError?: string }
  | { readonly state: 'open' }
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'closed' };

/**
 * A dependency opened in the background with retries (exponential backoff with jitter, by
 * `p-retry`), so a service whose store or broker is unreachable at start keeps running, answers
 * `/health/ready` with the reason, and serves once the dependency answers. A
 * `ConfigurationError` is not retried: the state becomes `failed`.
 */
export class Supervised<T> {
  private value: T | undefined;
  private current: SupervisedState = { state: 'opening', attempts: 0 };
  private readonly abort = new AbortController();
  /** Resolves with the value once open; rejects when closed first or on a configuration error. */
  readonly opened: Promise<T>;

  /**
   * Starts opening at once.
   * @param open - one attempt; a retriable failure throws (any error but `ConfigurationError`).
   * @param close - how to close the value when {@link close} is called.
   */
  constructor(
    open: () => Promise<T>,
    private readonly closeValue: (value: T) => Promise<void>,
    private readonly options: SupervisedOptions,
  ) {
    this.opened = pRetry(
      async () => {
        if (this.abort.signal.aborted) throw new UnavailableError(`${options.name}: closed before it opened`);
        return open();
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: options.initialDelayMs,
        maxTimeout: options.maxDelayMs,
        randomize: true,
        signal: this.abort.signal,
        shouldRetry: ({ error }) => !(MemfabricError.is(error) && error.code === 'configuration_invalid'),
        onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
          this.current = { state: 'opening', attempts: attemptNumber, lastError: error.message };
          options.onFailedAttempt?.(error, attemptNumber, retryDelay);
        },
      },
    ).then(
      (value) => {
        if (this.abort.signal.aborted) {
          void this.closeValue(value).catch(() => undefined);
          throw new UnavailableError(`${options.name}: closed before it opened`);
        }
        this.value = value;
        this.current = { state: 'open' };
        return value;
      },
      (error: unknown) => {
        if (this.current.state !== 'closed') this.current = { state: 'failed', error: error instanceof Error ? error.message : String(error) };
        throw error;
      },
    );
    // the rejection is observed through state(); callers that await `opened` see it too
    this.opened.catch(() => undefined);
  }

  /** Where opening stands. */
  state(): SupervisedState {
    return this.current;
  }

  /**
   * The open value.
   * @throws UnavailableError (retriable, HTTP 503) while opening, naming the last failure.
   * @throws ConfigurationError when opening failed for good.
   */
  get(): T {
    if (this.value !== undefined) return this.value;
    const s = this.current;
    if (s.state === 'failed') throw new ConfigurationError(`${this.options.name} could not be opened: ${s.error}`);
    const reason = s.state === 'opening' && s.lastError ? ` (attempt ${s.attempts}: ${s.lastError})` : '';
    throw new UnavailableError(`${this.options.name} is not available yet${reason}`);
  }

  /** Stops retrying and closes the value when it was opened. */
  async close(): Promise<void> {
    this.current = { state: 'closed' };
    this.abort.abort();
    const value = this.value;
    this.value = undefined;
    if (value !== undefined) await this.closeValue(value);
  }
}
