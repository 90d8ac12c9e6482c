import cliProgress from 'cli-progress';
import { MemfabricError, ValidationError, type FieldProblem } from '@memfabric/errors';

/**
 * Keys of stored records (CloudEvents attribute names and other all-lowercase compounds) and
 * their camelCase spelling in the CLI's JSON output, so every command prints one casing.
 * `tenant` and `stream` become `tenantId` and `streamId` too: one name for each across every summary.
 */
const CAMEL_CASE: Readonly<Record<string, string>> = {
  tenant: 'tenantId',
  stream: 'streamId',
  tenantid: 'tenantId',
  streamid: 'streamId',
  streamposition: 'streamPosition',
  uptoposition: 'upToPosition',
  keyid: 'keyId',
  eventid: 'eventId',
  unitid: 'unitId',
  batchid: 'batchId',
  memoryid: 'memoryId',
  memorytype: 'memoryType',
  eventtype: 'eventType',
  sourceref: 'sourceRef',
  validfrom: 'validFrom',
  validto: 'validTo',
  datasubject: 'dataSubject',
  idempotencykey: 'idempotencyKey',
  specversion: 'specVersion',
  schemaversion: 'schemaVersion',
  dataschema: 'dataSchema',
  datacontenttype: 'dataContentType',
  causationid: 'causationId',
  correlationid: 'correlationId',
  traceparent: 'traceParent',
  tracestate: 'traceState',
  recordedat: 'recordedAt',
  prevhash: 'prevHash',
  sourceevent: 'sourceEvent',
  publickey: 'publicKey',
};

/**
 * A copy of `value` with the keys of {@link CAMEL_CASE} renamed, at any depth. Other keys stay
 * as they are (they are camelCase already, or names used as keys: presets, projections,
 * channels). The `data` of an event is the caller's payload and is kept as given.
 */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = CAMEL_CASE[key] ?? key;
    out[name] = key === 'data' ? inner : camelCaseKeys(inner);
  }
  return out;
}

/** Most field problems printed for one error. */
const MAX_PRINTED_PROBLEMS = 20;

/** The problems of a validation error (also when it comes from another copy of the errors package). */
export function problemsOf(error: unknown): readonly FieldProblem[] {
  if (error instanceof ValidationError) return error.problems;
  if (MemfabricError.is(error) && error.code === 'validation_failed') return (error as unknown as { problems?: readonly FieldProblem[] }).problems ?? [];
  return [];
}

/**
 * The message of a failed command as the CLI prints it: the error's message plus, for a
 * validation error whose message does not already name them, each problem as `pointer detail`
 * (at most 20), e.g. `invalid recall request: /k must be an integer from 1 to 100`.
 */
export function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'is a directory';
    return `cannot read ${(error as NodeJS.ErrnoException).path ?? 'file'}: ${reason}`;
  }
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
  const problems = problemsOf(error).filter((p) => !message.includes(p.detail));
  if (problems.length === 0) return message;
  const shown = problems.slice(0, MAX_PRINTED_PROBLEMS).map((p) => `${p.pointer} ${p.detail}`.replace(/\s+/g, ' '));
  const more = problems.length > MAX_PRINTED_PROBLEMS ? ` (and ${problems.length - MAX_PRINTED_PROBLEMS} more)` : '';
  return `${message}: ${shown.join('; ')}${more}`;
}

/**
 * The error of a failed command as one JSON object (what `--json` prints on stderr):
 * `{"error": {"code", "message", "problems"?: [{"pointer", "detail"}]}}`; `code` is the
 * memfabric error code, `io_error` for a file that cannot be read, else `internal`.
 */
export function errorJson(error: unknown): { error: { code: string; message: string; problems?: FieldProblem[] } } {
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const code = MemfabricError.is(error) ? error.code : errno === 'ENOENT' || errno === 'EACCES' || errno === 'EISDIR' ? 'io_error' : 'internal';
  const problems = problemsOf(error).map((p) => ({ pointer: p.pointer, detail: p.detail }));
  const message = errorText(error);
  return { error: { code, message, ...(problems.length > 0 ? { problems } : {}) } };
}

/** One progress bar as commands drive it. */
export interface ProgressBar {
  /** Adds `n` units to the value. */
  increment(n: number): void;
  /** Sets the total (units); the bar shows value / total. */
  setTotal(total: number): void;
  /** Draws the final state and releases the terminal. */
  stop(): void;
}

/** Width of a bar, characters (the line stays within 80 columns for the longest label). */
const BAR_SIZE = 20;

/** Bar format: label, bar, percentage, value/total and the estimated seconds left. */
function barFormat(label: string, unit: string): string {
  return `${label} [{bar}] {percentage}% {value}/{total} ${unit} | eta {eta}s`;
}

/**
 * Progress and results of one command. Progress bars go to stderr (only on a terminal), so
 * stdout carries results; with `--json` the last stdout line is the one-line JSON summary, in
 * camelCase, and a failure is one JSON line on stderr.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A progress bar over `total` units (default unit: events); a no-op when stderr is not a terminal. */
  progress(label: string, total: number, unit = 'events'): ProgressBar {
    if (!this.stderr.isTTY) return { increment: () => undefined, setTotal: () => undefined, stop: () => undefined };
    const bar = new cliProgress.SingleBar({ format: barFormat(label, unit), stream: this.stderr, hideCursor: true, barsize: BAR_SIZE }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { increment: (n) => bar.increment(n), setTotal: (t) => bar.setTotal(t), stop: () => bar.stop() };
  }

  /**
   * Several bars drawn together, one per label (labels padded to one width); a no-op when
   * stderr is not a terminal.
   */
  multiProgress(labels: readonly string[], unit = 'events'): { bar(label: string, total: number): ProgressBar; stop(): void } {
    if (!this.stderr.isTTY) {
      const none: ProgressBar = { increment: () => undefined, setTotal: () => undefined, stop: () => undefined };
      return { bar: () => none, stop: () => undefined };
    }
    const width = Math.max(0, ...labels.map((l) => l.length));
    const multi = new cliProgress.MultiBar(
      { stream: this.stderr, hideCursor: true, clearOnComplete: false, forceRedraw: true, barsize: BAR_SIZE },
      cliProgress.Presets.shades_classic,
    );
    return {
      bar: (label, total) => {
        const bar = multi.create(total, 0, {}, { format: barFormat(label.padEnd(width), unit) });
        return { increment: (n) => bar.increment(n), setTotal: (t) => bar.setTotal(t), stop: () => bar.stop() };
      },
      stop: () => multi.stop(),
    };
  }

  /**
   * Reports a failed check (a chain or export that does not verify) on the process's stderr,
   * like the entry point's error line, and sets exit code 1: `memfabric: message`, or with
   * `--json` `{"error": {"code", "message"}}`.
   */
  failure(code: string, message: string): void {
    process.stderr.write(this.json ? `${JSON.stringify({ error: { code, message } })}\n` : `memfabric: ${message}\n`);
    process.exitCode = 1;
  }

  /** A human-readable line (suppressed with `--json`). */
  line(text: string): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** A JSON record on its own line, keys in camelCase (always printed). */
  record(value: unknown): void {
    this.stdout.write(`${JSON.stringify(camelCaseKeys(value))}\n`);
  }

  /** The final summary: JSON with `--json`, else the human text. */
  summary(value: unknown, human: string): void {
    if (this.json) this.record(value);
    else this.line(human);
  }
}
