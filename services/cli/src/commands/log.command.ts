import type { Command } from 'commander';
import { NotFoundError } from '@memfabric/errors';
import type { StoredEvent } from '@memfabric/events';
import type { EventLog } from '@memfabric/event-log';
import { openEventLog, positiveInt } from '../cli.config.js';
import { dataDirOf } from '../fabric.js';
import type { Output } from '../output.js';

/**
 * One event per line, tab-separated: `@offset` (global log position), event id, world time,
 * `tenant/stream#position in the stream`, type, and `actor: text`.
 */
function describe(event: StoredEvent): string {
  const data = event.data as { content?: unknown } | null;
  const text = event.erased ? '[erased]' : typeof data?.content === 'string' ? data.content : JSON.stringify(data);
  return `@${event.offset}\t${event.id}\t${event.time}\t${event.tenantid}/${event.streamid}#${event.streamposition}\t${event.type}\t${event.actor}: ${text}`;
}

/**
 * Refuses a tenant or stream filter that matches nothing in the log.
 * @throws NotFoundError `unknown tenant T` or `unknown stream S of tenant T` (`in any tenant` without a tenant).
 */
async function checkFilter(log: EventLog, tenant?: string, stream?: string): Promise<void> {
  if (tenant === undefined && stream === undefined) return;
  const streams = await log.listStreams(tenant);
  if (tenant !== undefined && streams.length === 0) throw new NotFoundError(`unknown tenant ${tenant} (it has no events in this data directory)`, { context: { tenant } });
  if (stream !== undefined && !streams.some((s) => s.streamid === stream)) {
    throw new NotFoundError(`unknown stream ${stream} ${tenant === undefined ? 'in any tenant' : `of tenant ${tenant}`}`, { context: { tenant, stream } });
  }
}

/** The last `count` events matching the filter, oldest first. */
async function lastEvents(log: EventLog, count: number, tenant?: string, stream?: string): Promise<StoredEvent[]> {
  if (tenant !== undefined && stream !== undefined) {
    const info = (await log.listStreams(tenant)).find((s) => s.streamid === stream);
    const from = Math.max(1, (info?.events ?? 0) - count + 1);
    return log.readStream(tenant, stream, { fromStreamPosition: from, limit: count });
  }
  const end = await log.end();
  const window: StoredEvent[] = [];
  // Walk back from the end in pages until enough matching events are found.
  let upper = end[0] ?? 0;
  while (upper > 0 && window.length < count) {
    const start = Math.max(0, upper - Math.max(count * 4, 1000));
    const page = await log.readAll({ from: { 0: start }, limit: upper - start, ...(tenant === undefined ? {} : { tenantid: tenant }) });
    const matching = page.events.filter((e) => e.offset < upper && (stream === undefined || e.streamid === stream));
    window.unshift(...matching);
    upper = start;
  }
  return window.slice(-count);
}

export function registerLog(program: Command, output: () => Output): void {
  const log = program.command('log').description('inspect and verify the event log');

  log
    .command('verify')
    .description("recompute every stream's hash chain; exit 1 and name the first broken event if any")
    .option('--tenant <tenant>', 'only this tenant')
    .option('--stream <stream>', 'only this stream')
    .action(async (opts: { tenant?: string; stream?: string }, command: Command) => {
      const out = output();
      const eventLog = openEventLog(dataDirOf(command));
      try {
        await checkFilter(eventLog, opts.tenant, opts.stream);
        const report = await eventLog.verify({ ...(opts.tenant ? { tenantid: opts.tenant } : {}), ...(opts.stream ? { streamid: opts.stream } : {}) });
        if (!report.valid && report.firstBroken) {
          const b = report.firstBroken;
          out.failure('chain_broken', `chain broken at ${b.tenantid}/${b.streamid}#${b.streamposition} (event ${b.id}): ${b.reason}`);
        }
        out.summary(report, report.valid ? `valid: ${report.events} event(s) in ${report.streams} stream(s)` : 'INVALID');
      } finally {
        await eventLog.close();
      }
    });

  log
    .command('tail')
    .description(
      'print the last events, oldest first: @offset (global log position), event id, time, tenant/stream#stream position, type, actor and text (with --follow, keep printing new ones until interrupted; --json: one event per line, keys in camelCase)',
    )
    .option('--tenant <tenant>', 'only this tenant')
    .option('--stream <stream>', 'only this stream (with --tenant)')
    .option('-n, --lines <n>', 'how many events', '20')
    .option('-f, --follow', 'keep printing events as they are appended')
    .action(async (opts: { tenant?: string; stream?: string; lines?: string; follow?: boolean }, command: Command) => {
      const out = output();
      const count = positiveInt('--lines', opts.lines, 20, 10_000);
      const eventLog = openEventLog(dataDirOf(command));
      const print = (e: StoredEvent) => (out.json ? out.record(e) : out.line(describe(e)));
      try {
        await checkFilter(eventLog, opts.tenant, opts.stream);
        for (const e of await lastEvents(eventLog, count, opts.tenant, opts.stream)) print(e);
        if (!opts.follow) return;
        let from = await eventLog.end();
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        while (!stop.signal.aborted) {
          const page = await eventLog.readAll({ from, limit: 500, ...(opts.tenant ? { tenantid: opts.tenant } : {}) });
          for (const e of page.events) if (opts.stream === undefined || e.streamid === opts.stream) print(e);
          from = page.next;
          if (page.events.length === 0) await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        await eventLog.close();
      }
    });
}
