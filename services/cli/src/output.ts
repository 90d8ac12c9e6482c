import cliProgress from 'cli-progress';

/**
 * Progress and results of one command. Progress bars go to stderr (only on a terminal), so
 * stdout carries results; with `--json` the last stdout line is the one-line JSON summary.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {}

  /** A progress bar over `total` units; a no-op when stderr is not a terminal. */
  progress(label: string, total: number): { increment(n: number): void; stop(): void } {
    if (!this.stderr.isTTY) return { increment: () => undefined, stop: () => undefined };
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value}/{total} | {eta_buffer}s`, stream: this.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { increment: (n) => bar.increment(n), stop: () => bar.stop() };
  }

  /** A human-readable line (suppressed with `--json`). */
  line(text: string): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  /** A JSON record on its own line (always printed). */
  record(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** The final summary: JSON with `--json`, else the human text. */
  summary(value: unknown, human: string): void {
    if (this.json) this.record(value);
    else this.line(human);
  }
}
