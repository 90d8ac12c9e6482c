import { ConfigurationError, MemfabricError } from '@memfabric/errors';

/**
 * What a module's `read…Config(env)` returns: the configuration when every value is valid, and
 * one line per invalid variable, each naming the variable, the value and what to set instead.
 * Start-ups read every module's configuration first and report every problem at once.
 */
export interface ConfigReading<T> {
  /** Present exactly when `problems` is empty. */
  readonly config?: T;
  readonly problems: readonly string[];
}

/**
 * The one error of an invalid start-up: a heading, then one `  - <problem>` line per problem;
 * `context.problems` holds the lines.
 * @param scope - what was being configured, e.g. `ingest` or `memfabric` (the all-in-one runner).
 * @param problems - one line per invalid variable.
 */
export function configurationError(scope: string, problems: readonly string[]): ConfigurationError {
  return new ConfigurationError(`invalid ${scope} configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { context: { problems: [...problems] } });
}

/**
 * The problem lines of a `ConfigurationError` thrown by a loader that throws (its
 * `context.problems`, else its message); other errors are rethrown.
 * @throws the error itself when it is not a `ConfigurationError`.
 */
export function configurationProblems(error: unknown): readonly string[] {
  if (!MemfabricError.is(error) || error.code !== 'configuration_invalid') throw error;
  const listed = error.context['problems'];
  return Array.isArray(listed) ? listed.map(String) : [error.message];
}

/**
 * Runs a loader that throws `ConfigurationError` and turns it into a {@link ConfigReading}.
 * @throws whatever the loader throws besides a `ConfigurationError`.
 */
export function readWith<T>(load: () => T): ConfigReading<T> {
  try {
    return { config: load(), problems: [] };
  } catch (error) {
    return { problems: configurationProblems(error) };
  }
}
