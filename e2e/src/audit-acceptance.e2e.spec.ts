import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, locomoDevFile, memfabric, sessionKeys, type LocomoSample, type LocomoTurn } from './support/memfabric-cli.js';

/**
 * Acceptance of audit and compliance (the audit issue's "Done when") through the `memfabric`
 * binary on real LoCoMo data: conversation conv-26 of the dev split (Caroline and Melanie,
 * 19 sessions), ingested and projected once in `beforeAll` into one embedded fabric. The tests
 * run in order on that fabric: rollback of session_1 (dry run, apply, revert), erasure of
 * Caroline, then a signed export and a one-byte edit of it.
 */

const QUESTION = 'When did Caroline go to the LGBTQ support group?';
const PRESETS = ['hybrid-rrf', 'hybrid-mmr', 'dense-only', 'lexical-only', 'graph-only'] as const;
/** Caroline's turns shorter than this are too generic to prove anything by their absence. */
const MIN_DISTINCTIVE_CHARS = 25;

const locomoDev = locomoDevFile;

interface Hit {
  unitId: string;
  text: string;
  tenant: string;
  stream: string;
  actor: string;
  sourceRef: string | null;
}

interface Recall {
  hits: Hit[];
}

interface StateAt {
  position: number;
  units: { id: string; streamId: string; sourceRef: string | null; status: string; text: string | null }[];
}

interface History {
  current: { status: string; text: string | null };
  versions: { change: string; eventId: string }[];
}

interface Rollback {
  units: number;
  ids: string[];
  rollbackId?: string;
  position?: number;
}

/** Runs a command with `--json` that must succeed; returns its whole stdout and the parsed last line. */
async function json<T>(dataDir: string, ...args: string[]): Promise<{ stdout: string; summary: T }> {
  const result = await memfabric(dataDir, ...args, '--json');
  expect(result.code, `memfabric ${args.join(' ')} failed: ${result.stderr}`).toBe(0);
  return { stdout: result.stdout, summary: lastJson<T>(result.stdout) };
}

describe('audit acceptance on LoCoMo conv-26 (audit issue "Done when")', { timeout: 420_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-e2e-audit-'));
  const data = path.join(dir, 'data');
  const conv26 = (JSON.parse(readFileSync(locomoDev, 'utf8')) as LocomoSample[]).find((s) => s.sample_id === 'conv-26')!;
  const session1 = conv26.conversation['session_1'] as LocomoTurn[];
  const turns = sessionKeys(conv26).flatMap((k) => conv26.conversation[k] as LocomoTurn[]);
  const caroline = turns.filter((t) => t.speaker === 'Caroline');
  const melanie = turns.filter((t) => t.speaker === 'Melanie');
  /**
   * Caroline's turn texts that no Melanie turn contains, as they would appear in raw text and
   * inside a JSON string: none of them may be printed by any route after her erasure.
   */
  const distinctive = caroline
    .map((t) => t.text.trim())
    .filter((text) => text.length >= MIN_DISTINCTIVE_CHARS && !melanie.some((m) => m.text.includes(text)));
  const needles = [...new Set(distinctive.flatMap((text) => [text, JSON.stringify(text).slice(1, -1)]))];
  /** The first of Caroline's texts found in `output`, or undefined. */
  const carolineIn = (output: string): string | undefined => needles.find((n) => output.includes(n));

  /** session_1's memory units as the log folds them after ingestion, in stream order. */
  let session1Units: StateAt['units'] = [];
  /** The `state --stream session_1` output before any rollback or erasure. */
  let session1State = '';
  /** Memory unit id of D1:3 (the id of its interaction event). */
  let d13 = '';
  /** Log offset of the last event after ingestion and projection. */
  let end = -1;

  beforeAll(async () => {
    const file = path.join(dir, 'conv-26.json');
    writeFileSync(file, JSON.stringify([conv26]));
    expect((await json(data, 'ingest', file, '--format', 'locomo')).summary).toEqual({ appended: turns.length, duplicates: 0 });
    const projected = (await json<{ projections: { name: string; lag: number; deadLetters: number }[] }>(data, 'project')).summary;
    for (const p of projected.projections) expect([p.name, p.lag, p.deadLetters]).toEqual([p.name, 0, 0]);
    const state = await json<StateAt>(data, 'state', '--tenant', 'conv-26', '--position', '1000000000', '--stream', 'session_1');
    session1State = state.stdout;
    session1Units = state.summary.units;
    end = state.summary.position;
    expect(session1Units.map((u) => [u.sourceRef, u.status])).toEqual(session1.map((t) => [t.dia_id, 'active']));
    d13 = session1Units.find((u) => u.sourceRef === 'D1:3')!.id;
    expect(distinctive.length).toBeGreaterThan(150);
    expect(distinctive).toContain('I went to a LGBTQ support group yesterday and it was so powerful.');
  }, 420_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a dry-run rollback of session_1 lists exactly its units and appends nothing', async () => {
    const result = await memfabric(data, 'rollback', '--tenant', 'conv-26', '--stream', 'session_1', '--dry-run', '--json');
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const dry = JSON.parse(lines[lines.length - 1]!) as Rollback;
    expect(Object.keys(dry)).toEqual(['units', 'ids']);
    expect(dry.units).toBe(session1.length);
    expect([...dry.ids].sort()).toEqual(session1Units.map((u) => u.id).sort());
  });

  it('applying it hides D1:3 from recall (asOf before it still sees it); revert brings it back', async () => {
    const applied = (await json<Rollback>(data, 'rollback', '--tenant', 'conv-26', '--stream', 'session_1')).summary;
    expect(applied.units).toBe(session1.length);
    expect([...applied.ids].sort()).toEqual(session1Units.map((u) => u.id).sort());
    // the dry run appended nothing: the rollback event is the next one after the projected log
    expect(applied.position).toBe(end + 1);

    const hidden = (await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10')).summary;
    expect(hidden.hits.length).toBeGreaterThan(0);
    expect(hidden.hits.map((h) => h.sourceRef)).not.toContain('D1:3');
    for (const h of hidden.hits) expect(h.stream, h.sourceRef ?? h.unitId).not.toBe('session_1');

    const before = (await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10', '--as-of', String(applied.position! - 1))).summary;
    expect(before.hits.map((h) => h.sourceRef)).toContain('D1:3');

    const reverted = (await json<{ rollbackId: string; revertId: string; alreadyReverted: boolean; units: number }>(data, 'rollback', 'revert', applied.rollbackId!)).summary;
    expect(reverted).toMatchObject({ rollbackId: applied.rollbackId, alreadyReverted: false, units: session1.length });
    const back = (await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '10')).summary;
    expect(back.hits.find((h) => h.sourceRef === 'D1:3')?.unitId).toBe(d13);

    const history = (await json<History>(data, 'history', d13, '--tenant', 'conv-26')).summary;
    expect(history.versions.map((v) => v.change)).toEqual(['created', 'rolled_back', 'rollback_reverted']);
    expect(history.current).toMatchObject({ status: 'active', text: session1[2]!.text });
  });

  it("erasing Caroline leaves none of her turns in any recall, history, state, log tail, export or rebuild; the log verifies", async () => {
    // before: her turns were readable (state folded from the log showed them)
    expect(carolineIn(session1State)).toBeDefined();

    const erased = (await json<{ subject: string; position: number; keysDestroyed: number; units: number }>(data, 'erase', '--tenant', 'conv-26', '--subject', 'Caroline', '--yes')).summary;
    expect(erased).toMatchObject({ subject: 'Caroline', units: caroline.length });
    expect(erased.keysDestroyed).toBeGreaterThanOrEqual(1);

    const leaks: string[] = [];
    const check = (route: string, output: string) => {
      const found = carolineIn(output);
      if (found !== undefined) leaks.push(`${route}: ${found}`);
    };
    const recallAll = async (label: string, presets: readonly string[]) => {
      for (const preset of presets) {
        const { stdout, summary } = await json<Recall>(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '50', '--preset', preset);
        check(`${label} recall ${preset}`, stdout);
        for (const h of summary.hits) expect(h.actor, `${label} ${preset} ${h.sourceRef}`).not.toBe('Caroline');
      }
    };
    await recallAll('after erasure', PRESETS);
    // what the fabric knew before the erasure: still not her content
    check('recall --as-of before erasure', (await json(data, 'recall', QUESTION, '--tenant', 'conv-26', '--k', '50', '--as-of', String(erased.position - 1))).stdout);

    const history = await json<History>(data, 'history', d13, '--tenant', 'conv-26');
    check('history D1:3', history.stdout);
    expect(history.summary.current).toMatchObject({ status: 'erased', text: null });
    // read from the log after the erasure, the unit is erased from its first version, and the
    // rollback and its revert stay in its history
    expect(history.summary.versions.map((v) => v.change)).toEqual(['created', 'rolled_back', 'rollback_reverted', 'erased']);

    // the state folded from the log just before the erasure event: her events no longer decrypt
    check('state before erasure', (await json(data, 'state', '--tenant', 'conv-26', '--position', String(erased.position - 1))).stdout);
    const tail = await memfabric(data, 'log', 'tail', '--tenant', 'conv-26', '-n', '10000', '--json');
    expect(tail.code, tail.stderr).toBe(0);
    check('log tail', tail.stdout);

    const out = path.join(dir, 'export-after-erasure');
    await json(data, 'export', '--tenant', 'conv-26', '--out', out);
    for (const name of readdirSync(out)) check(`export ${name}`, readFileSync(path.join(out, name), 'utf8'));

    const verify = await json<{ valid: boolean; events: number }>(data, 'log', 'verify');
    expect(verify.summary.valid).toBe(true);

    const rebuilt = (await json<{ switched: { projection: string; to: number }[] }>(data, 'rebuild')).summary;
    expect(rebuilt.switched.length).toBeGreaterThan(0);
    // the fused preset and each of the channels it fuses
    await recallAll('after rebuild', ['hybrid-rrf', 'dense-only', 'lexical-only', 'graph-only']);

    expect(leaks).toEqual([]);
  });

  it('an export verifies offline; a one-byte edit of one event fails verification naming that event', async () => {
    const out = path.join(dir, 'export');
    const exported = (await json<{ tenantId: string; events: number }>(data, 'export', '--tenant', 'conv-26', '--out', out)).summary;
    expect(exported.tenantId).toBe('conv-26');
    const ok = await json<{ valid: boolean; events: number; failures: unknown[] }>(data, 'verify-export', out);
    expect(ok.summary).toMatchObject({ valid: true, events: exported.events, failures: [] });

    // edit one byte of one event's ciphertext (a Melanie turn of session_5, in the middle of the file)
    const tampered = path.join(dir, 'export-tampered');
    cpSync(out, tampered, { recursive: true });
    const file = path.join(tampered, 'events.jsonl');
    const original = readFileSync(file);
    const lines = original.toString('utf8').split('\n');
    const index = lines.findIndex((l) => l.includes('"subject":"D5:2"') && l.includes('"streamid":"session_5"'));
    expect(index).toBeGreaterThan(0);
    const line = lines[index]!;
    const target = JSON.parse(line) as { offset: number; record: { id: string; streamid: string; streamposition: number } };
    const at = line.indexOf('"ciphertext":"');
    expect(at).toBeGreaterThan(0);
    const k = at + '"ciphertext":"'.length + 8;
    lines[index] = `${line.slice(0, k)}${line[k] === 'A' ? 'B' : 'A'}${line.slice(k + 1)}`;
    writeFileSync(file, lines.join('\n'));
    const edited = readFileSync(file);
    expect(edited.length).toBe(original.length);
    expect(edited.filter((b, i) => b !== original[i]).length).toBe(1);
    expect(() => JSON.parse(lines[index]!) as unknown).not.toThrow();

    const bad = await memfabric(data, 'verify-export', tampered, '--json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(target.record.id);
    expect(bad.stderr).toContain(`${target.record.streamid}#${target.record.streamposition}`);
    expect(lastJson<{ valid: boolean; firstFailure: unknown }>(bad.stdout)).toMatchObject({
      valid: false,
      firstFailure: { eventId: target.record.id, streamId: 'session_5', streamPosition: target.record.streamposition, offset: target.offset },
    });
  });
});
