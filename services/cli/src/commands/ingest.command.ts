import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { checkEvent, EVENT_LIMITS, normalizeEvent, type EventEnvelope, type NewEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import { locomoEvents, readLocomo } from '@memfabric/locomo';
import { openEventLog } from '../cli.config.js';
import { dataDirOf } from '../fabric.js';
import type { Output } from '../output.js';

/** Result of an ingest: events written and events skipped as already stored. */
export interface IngestSummary {
  readonly appended: number;
  readonly duplicates: number;
}

/** Most problems listed in one validation error. */
const MAX_REPORTED_PROBLEMS = 20;

/** File formats `ingest` reads. */
export type IngestFormat = 'jsonl' | 'locomo';

/** Whether a parsed JSON document is a LoCoMo file: a conversation (`sample_id` + `conversation`) or an array of them. */
function isLocomoDocument(doc: unknown): boolean {
  const isConversation = (v: unknown) => typeof v === 'object' && v !== null && 'sample_id' in v && 'conversation' in v;
  return Array.isArray(doc) ? doc.length > 0 && isConversation(doc[0]) : isConversation(doc);
}

/** The file's text parsed as one JSON document, or undefined when it is not one (e.g. JSONL). */
async function parseWhole(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * The format of a file to ingest when `--format` is not given: `.jsonl` / `.ndjson` are JSONL;
 * any other file whose whole text is one JSON document shaped as a LoCoMo conversation (an
 * object with `sample_id` and `conversation`) or an array of them is LoCoMo; anything else is
 * read as JSONL.
 * @throws the file system error when the file cannot be read.
 */
export async function detectFormat(file: string): Promise<IngestFormat> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return isLocomoDocument(await parseWhole(file)) ? 'locomo' : 'jsonl';
}

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
  if (problems.length > 0) {
    const hint = problems[0]?.pointer === 'line 1:' && isLocomoDocument(await parseWhole(file)) ? ' — this is a LoCoMo file: pass --format locomo' : '';
    throw invalidFile(file, problems, hint);
  }
  return events;
}

/** Reads a LoCoMo file (an array of conversations, or one): one interaction.recorded event per dialog turn. */
export async function readLocomoFileEvents(file: string, tenant?: string): Promise<NewEvent[]> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const conversations = readLocomo(Array.isArray(doc) || !isLocomoDocument(doc) ? doc : [doc]);
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

function invalidFile(file: string, problems: FieldProblem[], hint = ''): ValidationError {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => `${p.pointer} ${p.detail}`);
  const more = problems.length > MAX_REPORTED_PROBLEMS ? ` (and ${problems.length - MAX_REPORTED_PROBLEMS} more)` : '';
  return new ValidationError(`${file}: nothing ingested${hint}; ${problems.length} problem(s): ${shown.join('; ')}${more}`, problems);
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
    .description(
      'append the events of a file to the log (JSONL of CloudEvents, or a LoCoMo conversation file); creates the data directory if needed',
    )
    .argument('<file>', 'file to ingest')
    .option('--format <format>', 'jsonl | locomo (default: detected; .jsonl is JSONL, a JSON LoCoMo conversation or array of them is LoCoMo)')
    .option('--tenant <tenant>', 'tenant for every event (LoCoMo default: each conversation\'s sample_id)')
    .action(async (file: string, opts: { format?: string; tenant?: string }, command: Command) => {
      const out = output();
      if (opts.format !== undefined && opts.format !== 'jsonl' && opts.format !== 'locomo') {
        throw new ValidationError(`--format must be jsonl or locomo, got "${opts.format}"`, [{ pointer: '--format', detail: 'must be jsonl or locomo' }]);
      }
      const format = opts.format ?? (await detectFormat(file));
      const events = format === 'locomo' ? await readLocomoFileEvents(file, opts.tenant) : await readJsonlEvents(file, opts.tenant);
      const config = dataDirOf(command, { writes: true });
      const log = openEventLog(config);
      try {
        const bar = out.progress('ingest', events.length);
        const summary = await appendInBatches(log, events, (n) => bar.increment(n));
        bar.stop();
        out.summary(summary, `appended ${summary.appended} event(s), ${summary.duplicates} duplicate(s) skipped, into ${config.logFile} (${format === 'locomo' ? 'LoCoMo' : 'JSONL'}${opts.format === undefined ? ', detected' : ''})`);
      } finally {
        await log.close();
      }
    });
}
