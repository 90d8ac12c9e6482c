import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, cliBin as bin, lastJson, runCli, type Outcome } from './cli-runner.js';

/** The environment the CLI runs in: no MEMFABRIC_* of the machine, the hash embedder. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => cleanEnv({ MEMFABRIC_EMBEDDER: 'hash', ...extra });
const memfabric = (dataDir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Outcome> => runCli(dataDir, args, { MEMFABRIC_EMBEDDER: 'hash', ...extraEnv });

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const locomoSample = path.join(repo, 'samples/conversation.locomo.json');
const eventsSample = path.join(repo, 'samples/events.jsonl');



/** The lines of a command's stderr. */
function errLines(outcome: Outcome): string[] {
  return outcome.stderr.trim().split('\n');
}

/** Runs a command on a pseudo-terminal (util-linux `script`), returning everything it drew. */
async function onTerminal(dataDir: string, args: string[], input?: string): Promise<string> {
  const command = [process.execPath, bin, '--data-dir', dataDir, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = execFile('script', ['-qfec', command, '/dev/null'], { env: { ...env(), COLUMNS: '120', LINES: '40' } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  if (input !== undefined) child.stdin?.end(input);
  await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${output}`)))));
  return output;
}

/** Every key of a JSON value, nested, except inside event `data` payloads. */
function keysOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      if (k !== 'data') keysOf(v, into);
    }
  }
  return into;
}

/**
 * Field names spelled other than in camelCase (all-lowercase compounds of stored records), or
 * `tenant` beside `tenantId`. Status and preset names used as keys (`rolled_back`) are values.
 */
const NOT_CAMEL = /^(tenant|tenantid|streamid|streamposition|uptoposition|keyid|eventid|unitid|recordedat|datasubject|idempotencykey|batchid|memoryid|memorytype|eventtype|sourceref|prevhash|validfrom|validto)$/;

describe('memfabric CLI as a new user meets it', { timeout: 300_000 }, () => {
  const root = mkdtempSync(path.join(tmpdir(), 'memfabric-ux-'));
  const data = path.join(root, 'fabric');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    expect((await memfabric(data, ['ingest', eventsSample])).code).toBe(0);
  });

  it('detects a LoCoMo file without --format, and hints at --format locomo when JSONL is forced', async () => {
    const dir = path.join(root, 'locomo');
    const detected = await memfabric(dir, ['ingest', locomoSample, '--json']);
    expect(detected.code).toBe(0);
    expect(lastJson(detected.stdout)).toEqual({ appended: 16, duplicates: 0 });
    const forced = await memfabric(dir, ['ingest', locomoSample, '--format', 'jsonl']);
    expect(forced.code).toBe(1);
    expect(errLines(forced)).toHaveLength(1);
    expect(forced.stderr).toContain('pass --format locomo');
    expect(lastJson((await memfabric(dir, ['ingest', eventsSample, '--json'])).stdout)).toEqual({ appended: 6, duplicates: 0 });
  });

  it('prints the field problems of a rejected recall (pointer and detail), and one JSON error line on stderr with --json', async () => {
    const k = await memfabric(data, ['recall', 'seat', '--tenant', 'acme', '--k', '500']);
    expect(k.code).toBe(1);
    expect(errLines(k)).toEqual(['memfabric: invalid recall request: /k must be an integer from 1 to 100']);
    const preset = await memfabric(data, ['recall', 'seat', '--tenant', 'acme', '--preset', 'nope', '--no-catch-up']);
    expect(preset).toMatchObject({ code: 1, stderr: expect.stringMatching(/^memfabric: invalid recall request: \/preset unknown preset "nope"; known presets: hybrid-rrf/) });
    const validAt = await memfabric(data, ['recall', 'seat', '--tenant', 'acme', '--valid-at', 'yesterday', '--no-catch-up']);
    expect(validAt).toMatchObject({ code: 1, stderr: expect.stringMatching(/^memfabric: invalid recall request: \/validAt must be an RFC 3339 date-time/) });

    const json = await memfabric(data, ['--json', 'recall', 'seat', '--tenant', 'acme', '--k', '500', '--no-catch-up']);
    expect(json.code).toBe(1);
    expect(json.stdout).toBe('');
    expect(errLines(json)).toHaveLength(1);
    expect(JSON.parse(json.stderr)).toEqual({
      error: { code: 'validation_failed', message: 'invalid recall request: /k must be an integer from 1 to 100', problems: [{ pointer: '/k', detail: 'must be an integer from 1 to 100' }] },
    });
    const rollback = JSON.parse((await memfabric(data, ['--json', 'rollback', '--tenant', 'acme', '--to', 'yesterday'])).stderr) as { error: { code: string; problems: { pointer: string }[] } };
    expect(rollback.error).toMatchObject({ code: 'validation_failed', problems: [{ pointer: '/filter/to' }] });
  });

  it('refuses unknown tenants, streams, subjects and data directories with one line and exit 1', async () => {
    const tenant = await memfabric(data, ['recall', 'seat', '--tenant', 'nobody']);
    expect(tenant.code).toBe(1);
    expect(errLines(tenant)).toEqual([expect.stringMatching(/^memfabric: unknown tenant nobody\b/)]);
    const stream = await memfabric(data, ['log', 'tail', '--tenant', 'acme', '--stream', 'no-such-session']);
    expect(stream).toMatchObject({ code: 1, stdout: '' });
    expect(errLines(stream)).toEqual(['memfabric: unknown stream no-such-session of tenant acme']);
    const subject = await memfabric(data, ['erase', '--tenant', 'acme', '--subject', 'nobody', '--yes']);
    expect(subject.code).toBe(1);
    expect(errLines(subject)).toEqual([expect.stringMatching(/^memfabric: no data subject "nobody" in tenant acme/)]);

    const typo = path.join(root, 'fabirc');
    for (const args of [['log', 'verify'], ['stats'], ['recall', 'x', '--tenant', 'acme'], ['history', 'x', '--tenant', 'acme']]) {
      const refused = await memfabric(typo, args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(errLines(refused), args.join(' ')).toEqual([`memfabric: data directory ${typo} does not exist; check --data-dir / MEMFABRIC_DATA_DIR, or pass --create to start an empty fabric there`]);
    }
    expect(existsSync(typo)).toBe(false);
    const created = await memfabric(typo, ['--create', 'log', 'verify', '--json']);
    expect(created.code).toBe(0);
    expect(lastJson(created.stdout)).toEqual({ streams: 0, events: 0, valid: true });
  });

  it('guards rollback (no filter needs --all) and erase (--dry-run, a question on a terminal, --yes otherwise)', async () => {
    const dir = path.join(root, 'guards');
    await memfabric(dir, ['ingest', eventsSample]);
    const unfiltered = await memfabric(dir, ['rollback', '--tenant', 'acme']);
    expect(unfiltered.code).toBe(1);
    expect(errLines(unfiltered)).toEqual([expect.stringMatching(/^memfabric: rollback without a filter would hide every memory unit of tenant acme: .*--all/)]);
    expect(lastJson((await memfabric(dir, ['log', 'verify', '--json'])).stdout)).toMatchObject({ events: 6 });
    const all = lastJson<{ units: number; rollbackId: string }>((await memfabric(dir, ['rollback', '--tenant', 'acme', '--all', '--json'])).stdout);
    expect(all.units).toBeGreaterThan(0);
    expect((await memfabric(dir, ['rollback', 'revert', all.rollbackId])).code).toBe(0);

    const plan = await memfabric(dir, ['erase', '--tenant', 'acme', '--subject', 'user:maya', '--dry-run', '--json']);
    expect(plan.code).toBe(0);
    // user:maya is the data subject of 5 of the 6 sample events (one memory unit each), plus the facts extracted from her turns
    expect(lastJson(plan.stdout)).toEqual({ dryRun: true, tenantId: 'acme', subject: 'user:maya', events: 8, units: 5, keys: { total: 1, live: 1 } });
    const noTerminal = await memfabric(dir, ['erase', '--tenant', 'acme', '--subject', 'user:maya']);
    expect(noTerminal.code).toBe(1);
    expect(errLines(noTerminal)).toEqual([expect.stringMatching(/^memfabric: erase needs confirmation: stdin is not a terminal, pass --yes/)]);
    const declined = await onTerminal(dir, ['erase', '--tenant', 'acme', '--subject', 'user:maya'], 'n\n');
    expect(declined).toMatch(/erasing user:maya in acme makes \d+ event\(s\) unreadable, purges 5 memory unit\(s\) and destroys 1 content key\(s\)/);
    expect(declined).toContain('not erased');
    const erased = await memfabric(dir, ['erase', '--tenant', 'acme', '--subject', 'user:maya', '--yes', '--json']);
    expect(erased.code).toBe(0);
    expect(lastJson(erased.stdout)).toMatchObject({ tenantId: 'acme', subject: 'user:maya', keysDestroyed: 1, units: 5 });
  });

  it('draws one bar per projection on a terminal, each ending at 100%, and counts events, not deliveries', async () => {
    const dir = path.join(root, 'progress');
    await memfabric(dir, ['ingest', locomoSample]);
    const drawn = await onTerminal(dir, ['project']);
    expect(drawn).not.toContain('{eta_buffer}');
    // eslint-disable-next-line no-control-regex
    const frames = drawn.split(/\u001b\[[0-9;?]*[A-Za-z]|[\r\n]+/);
    const last = new Map<string, { percent: number; value: number; total: number }>();
    for (const frame of frames) {
      const m = /^project (\S+)\s+\[[^\]]*\] (\d+)% (\d+)\/(\d+) events/.exec(frame.trim());
      if (m) last.set(m[1]!, { percent: Number(m[2]), value: Number(m[3]), total: Number(m[4]) });
    }
    expect([...last.keys()]).toEqual(['memory-units', 'vectors', 'extraction', 'graph', 'analytics']);
    // 16 turns plus the 16 facts.extracted events the extraction stage appends
    for (const [name, bar] of last) expect(bar, name).toEqual({ percent: 100, value: 32, total: 32 });
    expect(drawn).toMatch(/projected 32 event\(s\) in \d+ ms \(memory-units 32, vectors 32, extraction 32, graph 32, analytics 32\)/);

    const again = path.join(root, 'progress-json');
    await memfabric(again, ['ingest', locomoSample]);
    const summary = lastJson<{ events: number; deliveries: number; projections: { name: string; events: number }[] }>((await memfabric(again, ['project', '--json'])).stdout);
    expect(summary.events).toBe(32);
    expect(summary.deliveries).toBe(5 * 32);
    expect(summary.projections.map((p) => p.events)).toEqual([32, 32, 32, 32, 32]);
  });

  it("accepts the caller's own memory id in history, shows event ids in log tail and explains global positions", async () => {
    // samples/events.jsonl: the memory.asserted event 018e…0002 carries data.memoryid "mem-diet-maya" and is corrected by 018e…0004
    const events = readFileSync(eventsSample, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; type: string; data: { memoryid?: string } });
    const asserted = events.find((e) => e.type === 'memory.asserted' && e.data.memoryid !== undefined)!;
    const byUnit = await memfabric(data, ['history', asserted.id, '--tenant', 'acme', '--json']);
    const byMemoryId = await memfabric(data, ['history', asserted.data.memoryid!, '--tenant', 'acme', '--json']);
    expect(byMemoryId.code).toBe(0);
    expect(lastJson(byMemoryId.stdout)).toEqual(lastJson(byUnit.stdout));
    const unknown = await memfabric(data, ['history', 'no-such-memory', '--tenant', 'acme']);
    expect(unknown.code).toBe(1);
    expect(errLines(unknown)).toEqual([expect.stringMatching(/^memfabric: no memory "no-such-memory" in tenant acme/)]);

    const locomo = path.join(root, 'locomo-history');
    await memfabric(locomo, ['ingest', locomoSample]);
    await memfabric(locomo, ['ingest', eventsSample]);
    const bySubject = await memfabric(locomo, ['history', 'D1:3', '--tenant', 'sample-maya-leo']);
    expect(bySubject.code).toBe(0);
    expect(bySubject.stdout).toMatch(/^memory \S+ \(tenant sample-maya-leo\): 1 version\(s\)/);

    const tail = await memfabric(data, ['log', 'tail', '--tenant', 'acme', '--stream', 'planner-session-2', '-n', '2']);
    expect(tail.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual(events.slice(-2).map((e, i) => [`@${4 + i}`, e.id]));

    const help = await memfabric(data, ['state', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('global log offset, inclusive: the 0-based position of an event in the whole log, shared by all tenants');
    const before = await memfabric(locomo, ['state', '--tenant', 'acme', '--position', '5']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^tenant acme at log position 5: no event of it yet \(positions are global log offsets shared by every tenant; its first event is at log position 16,/);
  });

  it('prints every JSON summary in camelCase and names the CLI caller the same way in the read audit', async () => {
    const outputs: unknown[] = [];
    const commands = [
      ['log', 'verify'],
      ['log', 'tail', '--tenant', 'acme', '-n', '2'],
      ['project'],
      ['stats', '--no-catch-up'],
      ['recall', 'aisle seat', '--tenant', 'acme', '--k', '2'],
      ['history', '018e3a10-0000-7000-8000-000000000002', '--tenant', 'acme'],
      ['state', '--tenant', 'acme', '--position', '5'],
      ['rollback', '--tenant', 'acme', '--actor', 'agent:planner', '--dry-run'],
      ['audit', 'checkpoint', '--tenant', 'acme'],
      ['audit', 'verify', '--tenant', 'acme'],
      ['export', '--tenant', 'acme', '--out', path.join(root, 'export')],
      ['verify-export', path.join(root, 'export')],
      ['audit', 'reads', '--tenant', 'acme'],
    ];
    for (const args of commands) {
      const outcome = await memfabric(data, ['--json', ...args]);
      expect(outcome.code, `${args.join(' ')}: ${outcome.stderr}`).toBe(0);
      for (const line of outcome.stdout.trim().split('\n')) outputs.push(JSON.parse(line));
    }
    const bad = [...new Set(keysOf(outputs))].filter((k) => NOT_CAMEL.test(k));
    expect(bad).toEqual([]);

    const reads = lastJson<{ tenantId: string; reads: { caller: string; preset: string }[] }>((await memfabric(data, ['audit', 'reads', '--tenant', 'acme', '--json'])).stdout);
    expect(reads.tenantId).toBe('acme');
    const callers = new Set(reads.reads.map((r) => r.caller));
    expect(callers).toEqual(new Set([`cli:${userInfo().username}`]));
    expect(reads.reads.length).toBeGreaterThanOrEqual(3); // recall, history, state
  });

  it('loads the embedded stack (embedder, extractor, analytics) only for commands that use it', async () => {
    const traceFile = path.join(root, 'resolved.txt');
    const hook = path.join(root, 'trace-hook.mjs');
    writeFileSync(
      hook,
      [
        "import { register } from 'node:module';",
        `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(
          [
            "import { appendFileSync } from 'node:fs';",
            'export async function resolve(specifier, context, next) {',
            '  const result = await next(specifier, context);',
            `  appendFileSync(${JSON.stringify(traceFile)}, result.url + '\\n');`,
            '  return result;',
            '}',
          ].join('\n'),
        )}`)});`,
      ].join('\n'),
    );
    const traced = async (args: string[]) => {
      writeFileSync(traceFile, '');
      const outcome = await memfabric(data, args, { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` });
      expect(outcome.code, outcome.stderr).toBe(0);
      return readFileSync(traceFile, 'utf8');
    };
    const heavy = /libs\/embedded\/|@energetic-ai|wink-eng-lite-web-model|libs\/extraction\//;
    const loaded = (trace: string) => trace.split('\n').filter((url) => heavy.test(url));
    const verify = await traced(['log', 'verify']);
    expect(verify).toContain('libs/event-log-sqlite/');
    expect(loaded(verify)).toEqual([]);
    expect(loaded(await traced(['--version']))).toEqual([]);
    expect(await traced(['recall', 'seat', '--tenant', 'acme', '--no-catch-up'])).toMatch(/libs\/embedded\//);
  });
});
