import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { checkEvent, EVENT_LIMITS, normalizeEvent, type EventEnvelope, type NewEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { openEventLog, resolveDataDir } from '../cli.config.js';
import type { Output } from '../output.js';
import { globalOptions } from '../program.js';

/** Result of an ingest: events written and events skipped as already stored. */
export interface IngestSummary {
  readonly appended: number;
  readonly duplicates: number;
}

/** Most problems listed in one validation error. */
const MAX_REPORTED_PROBLEMS = 20;

/**
 * Reads a JSONL file of events (one CloudEvents JSON object per line, blank lines ignored)
 * and validates every line before anything is appended.
 * @throws ValidationError naming each bad line (`line N: /pointer detail`).
 */
export async function readJsonlEvents(file: string, tenant?: string): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  const problems: FieldProblem[] = [];
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    lineNo += 1;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      problems.push({ pointer: `line ${lineNo}:`, detail: `not JSON: ${(cause as Error).message}` });
      continue;
    }
    if (tenant !== undefined && typeof parsed === 'object' && parsed !== null) parsed = { ...parsed, tenantid: tenant };
    const found = checkEvent(parsed, '');
    if (found.length > 0) problems.push(...found.map((p) => ({ pointer: `line ${lineNo}: ${p.pointer}`, detail: p.detail })));
    else events.push(normalizeEvent(parsed));
  }
  if (problems.length > 0) throw invalidFile(file, problems);
  return events;
}

/** Reads a LoCoMo file: one interaction.recorded event per dialog turn. */
export async function readLocomoFileEvents(file: string, tenant?: string): Promise<NewEvent[]> {
  const conversations = readLocomo(JSON.parse(await readFile(file, 'utf8')) as unknown);
  const options = tenant === undefined ? {} : { tenant };
  const events: NewEvent[] = [];
  const problems: FieldProblem[] = [];
  for (const envelope of locomoEvents(conversations, options)) {
    const found = checkEvent(envelope, `/${envelope.tenantid}/${envelope.streamid}/${envelope.subject ?? ''}`);
    if (found.length > 0) problems.push(...found);
    else events.push(normalizeEvent(envelope satisfies EventEnvelope));
  }
  if (problems.length > 0) throw invalidFile(file, problems);
  return events;
}

function invalidFile(file: string, problems: FieldProblem[]): ValidationError {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => `${p.pointer} ${p.detail}`);
  const more = problems.length > MAX_REPORTED_PROBLEMS ? ` (and ${problems.length - MAX_REPORTED_PROBLEMS} more)` : '';
  return new ValidationError(`${file}: nothing ingested; ${problems.length} problem(s): ${shown.join('; ')}${more}`, problems);
}

/**
 * Appends events in batches of at most {@link EVENT_LIMITS.maxBatchEvents}, reporting progress.
 * Each batch is atomic; a failure leaves earlier batches stored and a retry of the same file
 * appends only what is missing (idempotency keys).
 */
export async function appendInBatches(
  log: EventLog,
  events: readonly NewEvent[],
  onProgress: (n: number) => void = () => undefined,
  batchSize = 500,
): Promise<IngestSummary> {
  const size = Math.min(batchSize, EVENT_LIMITS.maxBatchEvents);
  let appended = 0;
  let duplicates = 0;
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    const results = await log.append(batch);
    for (const r of results) {
      if (r.duplicate) duplicates += 1;
      else appended += 1;
    }
    onProgress(batch.length);
  }
  return { appended, duplicates };
}

export function registerIngest(program: Command, output: () => Output): void {
  program
    .command('ingest')
    .description('append the events of a file to the log (JSONL of CloudEvents, or a LoCoMo conversation file)')
    .argument('<file>', 'file to ingest')
    .option('--format <format>', 'jsonl | locomo', 'jsonl')
    .option('--tenant <tenant>', 'tenant for every event (LoCoMo default: each conversation\'s sample_id)')
    .action(async (file: string, opts: { format: string; tenant?: string }, command: Command) => {
      const out = output();
      if (opts.format !== 'jsonl' && opts.format !== 'locomo') {
        throw new ValidationError(`--format must be jsonl or locomo, got "${opts.format}"`, [{ pointer: '--format', detail: 'must be jsonl or locomo' }]);
      }
      const events = opts.format === 'locomo' ? await readLocomoFileEvents(file, opts.tenant) : await readJsonlEvents(file, opts.tenant);
      const config = resolveDataDir(globalOptions(command).dataDir, process.env);
      const log = openEventLog(config);
      try {
        const bar = out.progress('ingest', events.length);
        const summary = await appendInBatches(log, events, (n) => bar.increment(n));
        bar.stop();
        out.summary(summary, `appended ${summary.appended} event(s), ${summary.duplicates} duplicate(s) skipped, into ${config.logFile}`);
      } finally {
        await log.close();
      }
    });
}
