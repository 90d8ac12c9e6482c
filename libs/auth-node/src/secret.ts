import { inspect } from 'node:util';

/** What a {@link Secret} prints as, everywhere. */
export const REDACTED = '[redacted]';

/**
 * A secret string that never leaks through logging: JSON.stringify (and so pino), template
 * strings and `util.inspect` all print `[redacted]`. The value lives in a private field, so no
 * enumeration reaches it; only {@link reveal} does.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one comparison that needs it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
