import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { encodeConsistencyToken } from '@memfabric/event-log';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent } from '@memfabric/events';
import { asserted, corrected, retracted, rollbackApplied, rollbackReverted, subjectErased } from '@memfabric/projections/testing';
import { RecallEngine } from './engine.js';
import { BUILTIN_PRESETS, findPreset } from './presets.js';
import { HashEmbedder, type Embedder } from '@memfabric/embeddings';
import type { RecallChannel } from './channel.js';
import { denseChannel, NO_PROPAGATION, type Propagation } from './channels/index.js';
import { fusionFeatureNames, LEARNED_FUSION_FORMAT } from './learned-fusion.js';
import { InMemoryRecallBackend, factsFor } from './testing/index.js';
import type { RecallPreset, RecallRequest, RecallResponse } from './types.js';

/** Weights of the default preset (the tests follow them when they are tuned). */
const HYBRID = findPreset(BUILTIN_PRESETS, 'hybrid-rrf').weights;

const MAY = '2023-05-08T13:56:00.000Z';

function turn(tenant: string, stream: string, content: string, options: { actor?: string; time?: string; sourceref?: string } = {}): NewEvent {
  const actor = options.actor ?? 'caroline';
  return interaction(tenant, stream, content, {
    actor,
    time: options.time ?? MAY,
    data: { kind: 'message', role: 'user', content, speaker: actor[0]!.toUpperCase() + actor.slice(1), ...(options.sourceref ? { sourceref: options.sourceref } : {}) },
  });
}

/** A backend, its engine and a recall shortcut scoped to `tenant`. */
function setup(tenant = uniqueTenant()) {
  const backend = new InMemoryRecallBackend();
  const engine = new RecallEngine(backend);
  const recall = (query: string, extra: Partial<RecallRequest> = {}) => engine.recall({ query, scope: { tenant }, k: 100, ...extra });
  return { tenant, backend, engine, recall };
}

const ids = (response: RecallResponse) => response.hits.map((h) => h.unitId);

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('RecallEngine over the in-memory backend', () => {
  it('hits carry the unit, its times and position, the fused score and an explain with channel ranks and the creating event', async () => {
    const { tenant, backend, recall } = setup();
    const [oscar, lake, marathon] = await backend.append([
      turn(tenant, 's1', 'Caroline adopted a greyhound called Oscar', { sourceref: 'D1:3' }),
      turn(tenant, 's1', 'Melanie painted a lake at sunrise', { actor: 'melanie' }),
      turn(tenant, 's2', 'Caroline is training for the Lisbon marathon'),
    ]);
    const response = await recall('a greyhound called Oscar', { k: 3 });
    expect(response.preset).toBe('hybrid-rrf');
    expect(response.consistency).toEqual({ requested: false, reached: true, waitedMs: 0, behind: [] });
    expect(response.asOfPosition).toBeNull();
    expect(response.validAt).toBeNull();
    expect(response.hits.map((h) => h.rank)).toEqual([1, 2, 3]);
    const top = response.hits[0]!;
    expect(top).toMatchObject({
      rank: 1,
      unitId: oscar!.id,
      text: 'Caroline adopted a greyhound called Oscar',
      tenant,
      stream: 's1',
      actor: 'caroline',
      speaker: 'Caroline',
      memoryType: 'interaction',
      time: MAY,
      validFrom: null,
      validTo: null,
      recordedAt: oscar!.recordedat,
      position: { partition: 0, offset: oscar!.offset },
      sourceRef: 'D1:3',
    });
    const { dense, lexical } = top.explain.channels;
    expect(dense).toMatchObject({ rank: 1, weight: HYBRID.dense });
    expect(dense!.contribution).toBeCloseTo(HYBRID.dense! / 61, 12);
    expect(lexical).toMatchObject({ rank: 1, weight: HYBRID.lexical });
    expect(lexical!.score).toBeGreaterThan(0);
    expect(top.explain.events).toEqual([oscar!.id]);
    const sum = Object.values(top.explain.channels).reduce((s, c) => s + c!.contribution, 0);
    expect(top.score).toBeCloseTo(sum, 12);
    expect(response.hits.map((h) => h.score)).toEqual([...response.hits.map((h) => h.score)].sort((a, b) => b - a));
    expect(new Set(ids(response))).toEqual(new Set([oscar!.id, lake!.id, marathon!.id]));
    expect(Object.keys(response.timings.channels).sort()).toEqual(['context', 'dense', 'graph', 'lexical', 'speaker']);
    expect(response.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('a corrected memory: the correction surfaces, its explain lists the correction chain; the original does not surface live', async () => {
    const { tenant, backend, recall } = setup();
    const [original] = await backend.append([asserted(tenant, 'prefs', 'Maya is vegetarian')]);
    const [correction] = await backend.append([corrected(tenant, 'prefs', original!.id, 'Maya is vegan')]);
    const response = await recall('Maya vegetarian vegan');
    expect(ids(response)).toEqual([correction!.id]);
    expect(response.hits[0]!.explain.events).toEqual([correction!.id, original!.id]);
    expect(response.hits[0]!.memoryType).toBe('fact');
  });

  it('presets run only their channels: dense-only, lexical-only, graph-only; weights override a preset', async () => {
    const { tenant, backend, recall } = setup();
    const [source] = await backend.append([turn(tenant, 's1', 'Caroline went hiking near Lisbon'), turn(tenant, 's1', 'The weather was sunny')]);
    await backend.append([factsFor(source!, ['Caroline', { name: 'Lisbon', type: 'place' }])]);

    const dense = await recall('hiking near Lisbon', { preset: 'dense-only' });
    expect(Object.keys(dense.timings.channels)).toEqual(['dense']);
    expect(dense.weights).toEqual({ dense: 1 });
    expect(dense.hits.every((h) => Object.keys(h.explain.channels).join() === 'dense')).toBe(true);

    const lexical = await recall('hiking near Lisbon', { preset: 'lexical-only' });
    expect(Object.keys(lexical.timings.channels)).toEqual(['lexical']);
    expect(ids(lexical)).toEqual([source!.id]);
    expect(Object.keys(lexical.hits[0]!.explain.channels)).toEqual(['lexical']);

    const graph = await recall('Where did Caroline go in Lisbon?', { preset: 'graph-only' });
    expect(Object.keys(graph.timings.channels)).toEqual(['graph']);
    expect(ids(graph)).toEqual([source!.id]);
    expect(graph.hits[0]!.explain.entities?.slice().sort()).toEqual(['Caroline', 'Lisbon']);
    const factsEvent = backend.events.find((e) => e.type === 'facts.extracted')!;
    expect(graph.hits[0]!.explain.events).toEqual([source!.id, factsEvent.id]);

    const noLexical = await recall('hiking near Lisbon', { weights: { lexical: 0, graph: 0, speaker: 0 } });
    expect(Object.keys(noLexical.timings.channels).sort()).toEqual(['context', 'dense']);
    expect(noLexical.weights).toMatchObject({ dense: HYBRID.dense, lexical: 0, graph: 0 });
  });

  it('an unknown preset is a ValidationError at /preset; a bad request names its fields; neither is logged', async () => {
    const { backend, recall } = setup();
    const unknown = await rejection(recall('anything', { preset: 'does-not-exist' }));
    expect(unknown.problems.map((p) => p.pointer)).toEqual(['/preset']);
    const bad = await rejection(recall('', { k: 0 }));
    expect(bad.problems.map((p) => p.pointer)).toEqual(['/query', '/k']);
    expect(backend.queries).toEqual([]);
  });

  it('the graph channel answers nothing (and no error) while the graph has no active generation', async () => {
    const { tenant, backend, recall } = setup();
    const [source] = await backend.append([turn(tenant, 's1', 'Caroline went hiking near Lisbon')]);
    await backend.append([factsFor(source!, ['Caroline'])]);
    backend.setGraphAvailable(false);
    const response = await recall('Caroline', { preset: 'graph-only' });
    expect(response.hits).toEqual([]);
    expect(Object.keys(response.timings.channels)).toEqual(['graph']);
  });

  describe('removed units and point-in-time views (asOf)', () => {
    it('superseded, retracted and rolled-back units never surface live; asOf before the removing event shows them and not units created after', async () => {
      const { tenant, backend, recall } = setup();
      const [memory, turnA, turnB] = await backend.append([
        asserted(tenant, 'prefs', 'Maya likes green tea in the morning'),
        turn(tenant, 'import', 'Maya likes green tea with honey'),
        turn(tenant, 'import', 'Maya likes green tea at night'),
      ]);
      const [toRetract] = await backend.append([asserted(tenant, 'prefs', 'Maya likes green tea from Japan')]);
      const beforeRemovals = toRetract!.offset;
      const [correction] = await backend.append([corrected(tenant, 'prefs', memory!.id, 'Maya likes black coffee in the morning')]);
      const [retraction] = await backend.append([retracted(tenant, 'prefs', toRetract!.id)]);
      const [rollback] = await backend.append([rollbackApplied(tenant, { streamid: 'import' })]);
      const [later] = await backend.append([turn(tenant, 's9', 'Maya likes green tea and oolong')]);

      const query = 'Maya likes green tea';
      const live = ids(await recall(query));
      expect(live).toContain(correction!.id);
      expect(live).toContain(later!.id);
      for (const removed of [memory, turnA, turnB, toRetract]) expect(live).not.toContain(removed!.id);
      expect(new Set(ids(await recall(query, { preset: 'lexical-only' })))).toEqual(new Set([correction!.id, later!.id]));

      const then = await recall(query, { asOf: { position: beforeRemovals } });
      expect(then.asOfPosition).toBe(beforeRemovals);
      expect(new Set(ids(then))).toEqual(new Set([memory!.id, turnA!.id, turnB!.id, toRetract!.id]));
      expect(ids(then)).not.toContain(correction!.id);
      expect(ids(then)).not.toContain(later!.id);
      // Each removal takes effect exactly at its own position.
      expect(ids(await recall(query, { asOf: { position: correction!.offset } }))).not.toContain(memory!.id);
      expect(ids(await recall(query, { asOf: { position: retraction!.offset - 1 } }))).toContain(toRetract!.id);
      expect(ids(await recall(query, { asOf: { position: retraction!.offset } }))).not.toContain(toRetract!.id);
      expect(ids(await recall(query, { asOf: { position: rollback!.offset - 1 } }))).toEqual(expect.arrayContaining([turnA!.id, turnB!.id]));
      expect(ids(await recall(query, { asOf: { position: rollback!.offset } }))).not.toContain(turnA!.id);

      // Reverting the rollback brings the turns back live.
      await backend.append([rollbackReverted(tenant, rollback!.id)]);
      expect(ids(await recall(query))).toEqual(expect.arrayContaining([turnA!.id, turnB!.id]));
    });

    it('asOf a transaction time resolves to the last position recorded by then; before the first event nothing surfaces', async () => {
      const { tenant, backend, recall } = setup();
      const [first, second] = await backend.append([turn(tenant, 's1', 'Caroline plays the violin'), turn(tenant, 's1', 'Caroline plays the cello')]);
      const at = await recall('Caroline plays', { asOf: { time: first!.recordedat } });
      expect(at.asOfPosition).toBe(first!.offset);
      expect(ids(at)).toEqual([first!.id]);
      const between = new Date(Date.parse(second!.recordedat) - 1).toISOString();
      expect(ids(await recall('Caroline plays', { asOf: { time: between } }))).toEqual([first!.id]);
      const before = await recall('Caroline plays', { asOf: { time: '2000-01-01T00:00:00Z' } });
      expect(before.asOfPosition).toBe(-1);
      expect(before.hits).toEqual([]);
    });

    it('erased units never surface, not even asOf a position before the erasure (erasure purges every view)', async () => {
      const { tenant, backend, recall } = setup();
      const [dave, keep] = await backend.append([
        turn(tenant, 's1', 'Dave moved to Rotterdam for his new job', { actor: 'dave' }),
        turn(tenant, 's1', 'Caroline moved to Rotterdam too', { actor: 'caroline' }),
      ]);
      await backend.append([factsFor(dave!, ['Dave', { name: 'Rotterdam', type: 'place' }]), factsFor(keep!, ['Caroline', { name: 'Rotterdam', type: 'place' }])]);
      expect(ids(await recall('Dave moved to Rotterdam'))).toContain(dave!.id);
      const [erasure] = await backend.append([subjectErased(tenant, 'dave')]);
      for (const preset of ['hybrid-rrf', 'dense-only', 'lexical-only', 'graph-only']) {
        expect(ids(await recall('Dave moved to Rotterdam', { preset }))).not.toContain(dave!.id);
        expect(ids(await recall('Dave moved to Rotterdam', { preset, asOf: { position: erasure!.offset - 1 } }))).not.toContain(dave!.id);
      }
      expect(ids(await recall('moved to Rotterdam'))).toContain(keep!.id);
    });
  });

  describe('world time (validAt)', () => {
    it('hides units whose world time is after validAt, and asserted memories whose validity does not contain it', async () => {
      const { tenant, backend, recall } = setup();
      const [may, july] = await backend.append([
        turn(tenant, 's1', 'Maya lives in Porto with her cat', { time: '2023-05-08T10:00:00Z' }),
        turn(tenant, 's1', 'Maya lives in Porto and rents a flat', { time: '2023-07-01T10:00:00Z' }),
      ]);
      const [ended, future, open] = await backend.append([
        asserted(tenant, 'profile', 'Maya lives in Porto near the river', { data: { validfrom: '2023-01-01T00:00:00Z', validto: '2023-06-01T00:00:00Z' } }),
        asserted(tenant, 'profile', 'Maya lives in Porto by the sea', { data: { validfrom: '2023-09-01T00:00:00Z' } }),
        asserted(tenant, 'profile', 'Maya lives in Porto since 2020', { data: { validfrom: '2020-01-01T00:00:00Z' } }),
      ]);
      const query = 'Maya lives in Porto';
      expect(new Set(ids(await recall(query)))).toEqual(new Set([may!.id, july!.id, ended!.id, future!.id, open!.id]));

      const june = await recall(query, { validAt: '2023-06-01T00:00:00Z' });
      expect(june.validAt).toBe('2023-06-01T00:00:00.000Z');
      expect(new Set(ids(june))).toEqual(new Set([may!.id, open!.id]));
      expect(new Set(ids(await recall(query, { validAt: '2023-05-31T23:59:59Z' })))).toEqual(new Set([may!.id, ended!.id, open!.id]));
      expect(new Set(ids(await recall(query, { validAt: '2023-05-08T09:59:59Z' })))).toEqual(new Set([ended!.id, open!.id]));
      expect(ids(await recall(query, { validAt: '2019-12-31T23:59:59Z' }))).toEqual([]);
      const hit = (await recall(query, { validAt: '2023-05-31T00:00:00Z', preset: 'lexical-only' })).hits.find((h) => h.unitId === ended!.id)!;
      expect(hit).toMatchObject({ validFrom: '2023-01-01T00:00:00.000Z', validTo: '2023-06-01T00:00:00.000Z' });
    });
  });

  it('scope filters: streams, actors, agents (actors and agents combine)', async () => {
    const { tenant, backend, recall } = setup();
    const [c1, m1, c2, bot] = await backend.append([
      turn(tenant, 's1', 'We talked about the garden', { actor: 'caroline' }),
      turn(tenant, 's1', 'We talked about the garden plants', { actor: 'melanie' }),
      turn(tenant, 's2', 'We talked about the garden shed', { actor: 'caroline' }),
      turn(tenant, 's2', 'We talked about the garden party', { actor: 'agent-7' }),
    ]);
    const query = 'talked about the garden';
    expect(new Set(ids(await recall(query, { scope: { tenant, streams: ['s2'] } })))).toEqual(new Set([c2!.id, bot!.id]));
    expect(new Set(ids(await recall(query, { scope: { tenant, actors: ['caroline'] } })))).toEqual(new Set([c1!.id, c2!.id]));
    expect(ids(await recall(query, { scope: { tenant, agents: ['agent-7'] } }))).toEqual([bot!.id]);
    expect(new Set(ids(await recall(query, { scope: { tenant, actors: ['melanie'], agents: ['agent-7'] } })))).toEqual(new Set([m1!.id, bot!.id]));
    expect(ids(await recall(query, { scope: { tenant, streams: ['s1'], actors: ['melanie'] } }))).toEqual([m1!.id]);
    expect(ids(await recall(query, { scope: { tenant, streams: ['nope'] } }))).toEqual([]);
  });

  it('the context channel adds the neighbouring turns of a strong hit, with explain.expandedFrom; neighbours obey the scope', async () => {
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend();
    // hybrid-rrf without lexical propagation, so that neighbours come from the context channel alone.
    const hybrid = findPreset(BUILTIN_PRESETS, 'hybrid-rrf');
    const plain: RecallPreset = { ...hybrid, name: 'plain', options: { ...hybrid.options, lexical: { propagation: NO_PROPAGATION } } };
    const engine = new RecallEngine(backend, { presets: [plain] });
    const recall = (query: string, extra: Partial<RecallRequest> = {}) => engine.recall({ query, scope: { tenant }, k: 100, preset: 'plain', ...extra });
    const [before, seed, after, elsewhere] = await backend.append([
      turn(tenant, 's1', 'Guess what happened yesterday', { actor: 'melanie' }),
      turn(tenant, 's1', 'I adopted a greyhound called Oscar'),
      turn(tenant, 's1', 'That is wonderful, congratulations!', { actor: 'melanie' }),
      turn(tenant, 's2', 'Unrelated chatter about trains'),
    ]);
    const onlyLexicalAndContext = { weights: { dense: 0, graph: 0, temporal: 0, recency: 0, speaker: 0 } };
    const response = await recall('greyhound Oscar', onlyLexicalAndContext);
    expect(ids(response)[0]).toBe(seed!.id);
    expect(new Set(ids(response))).toEqual(new Set([before!.id, seed!.id, after!.id]));
    expect(ids(response)).not.toContain(elsewhere!.id);
    for (const neighbour of [before, after]) {
      const hit = response.hits.find((h) => h.unitId === neighbour!.id)!;
      expect(hit.explain.expandedFrom).toBe(seed!.id);
      expect(Object.keys(hit.explain.channels)).toEqual(['context']);
      expect(hit.explain.channels.context!.weight).toBe(HYBRID.context);
    }
    expect(response.hits[0]!.explain.expandedFrom).toBeUndefined();
    expect(Object.keys(response.timings.channels).sort()).toEqual(['context', 'lexical']);

    const caroline = await recall('greyhound Oscar', { ...onlyLexicalAndContext, scope: { tenant, actors: ['caroline'] } });
    expect(ids(caroline)).toEqual([seed!.id]);
    const noContext = await recall('greyhound Oscar', { weights: { ...onlyLexicalAndContext.weights, context: 0 } });
    expect(ids(noContext)).toEqual([seed!.id]);
  });

  describe('lexical propagation', () => {
    const propagating = (propagation: Propagation): RecallPreset => ({
      name: 'propagating',
      description: 'lexical with neighbour propagation',
      weights: { lexical: 1 },
      rrfK: 60,
      mmrLambda: null,
      candidates: 50,
      options: { lexical: { propagation } },
    });

    it('the answer after a matching question ranks with `answer` of its score, the turn after a statement with `following`, the turn before with `preceding`', async () => {
      const tenant = uniqueTenant();
      const backend = new InMemoryRecallBackend();
      const engine = new RecallEngine(backend, { presets: [...BUILTIN_PRESETS, propagating({ seeds: 50, answer: 0.7, following: 0.2, preceding: 0.1 })] });
      const [opener, question, answer, , statement, reply] = await backend.append([
        turn(tenant, 's1', 'Hi there, long time no see.', { actor: 'melanie' }),
        turn(tenant, 's1', 'Which novel has been your favourite guide?', { actor: 'melanie' }),
        turn(tenant, 's1', 'Becoming Nicole, by Amy Ellis Nutt.'),
        turn(tenant, 's1', 'Nice pick!', { actor: 'melanie' }),
        turn(tenant, 's2', 'My favourite novel sits on the top shelf.'),
        turn(tenant, 's2', 'Lovely.', { actor: 'melanie' }),
      ]);
      const plain = await engine.recall({ query: 'favourite novel guide', scope: { tenant }, preset: 'lexical-only', k: 10 });
      expect(ids(plain)).not.toContain(answer!.id);

      const response = await engine.recall({ query: 'favourite novel guide', scope: { tenant }, preset: 'propagating', k: 10 });
      const score = (id: string) => response.hits.find((h) => h.unitId === id)?.explain.channels.lexical?.score;
      expect(ids(response).slice(0, 2)).toEqual([question!.id, answer!.id]);
      expect(score(question!.id)).toBeCloseTo(1, 12);
      expect(score(answer!.id)).toBeCloseTo(0.7, 12);
      const own = plain.hits.find((h) => h.unitId === statement!.id)!.explain.channels.lexical!.score / plain.hits[0]!.explain.channels.lexical!.score;
      expect(score(statement!.id)).toBeCloseTo(own, 12);
      expect(score(reply!.id)).toBeCloseTo(0.2 * own, 12);
      expect(score(opener!.id)).toBeCloseTo(0.1, 12);
      const explained = (id: string) => response.hits.find((h) => h.unitId === id)!.explain;
      expect(explained(answer!.id).expandedFrom).toBe(question!.id);
      expect(explained(reply!.id).expandedFrom).toBe(statement!.id);
      expect(explained(statement!.id).expandedFrom).toBeUndefined();
    });

    it('neighbours reached by propagation obey the scope, the unit status and asOf; seeds 0 is plain BM25', async () => {
      const tenant = uniqueTenant();
      const backend = new InMemoryRecallBackend();
      const engine = new RecallEngine(backend, {
        presets: [
          ...BUILTIN_PRESETS,
          propagating({ seeds: 50, answer: 0.7, following: 0.2, preceding: 0.2 }),
          { ...propagating({ seeds: 0, answer: 0.7, following: 0.2, preceding: 0.2 }), name: 'off' },
        ],
      });
      const [, answer, , otherAnswer] = await backend.append([
        turn(tenant, 's1', 'Which novel has been your favourite guide?', { actor: 'melanie' }),
        turn(tenant, 's1', 'Becoming Nicole, by Amy Ellis Nutt.'),
        turn(tenant, 's2', 'Which novel would you take to an island?', { actor: 'melanie' }),
        turn(tenant, 's2', 'A thick atlas, for sure.'),
      ]);
      const recall = (extra: Partial<RecallRequest>) => engine.recall({ query: 'which novel', scope: { tenant }, preset: 'propagating', k: 10, ...extra });
      expect(ids(await recall({}))).toEqual(expect.arrayContaining([answer!.id, otherAnswer!.id]));
      expect(ids(await recall({ preset: 'off' }))).not.toContain(answer!.id);
      expect(ids(await recall({ scope: { tenant, actors: ['melanie'] } }))).not.toContain(answer!.id);
      expect(ids(await recall({ scope: { tenant, streams: ['s2'] } }))).not.toContain(answer!.id);
      const [retraction] = await backend.append([retracted(tenant, 's1', answer!.id)]);
      const after = ids(await recall({}));
      expect(after).not.toContain(answer!.id);
      expect(after).toContain(otherAnswer!.id);
      expect(ids(await recall({ asOf: { position: retraction!.offset - 1 } }))).toContain(answer!.id);
    });
  });

  it('MMR demotes a near-duplicate and records the fused rank of reordered hits', async () => {
    const { tenant, backend, recall } = setup();
    const [a, b, c] = await backend.append([
      turn(tenant, 's1', 'Caroline went hiking in the Alps with her sister Anna'),
      turn(tenant, 's2', 'Caroline went hiking in the Alps with her sister Anna again'),
      turn(tenant, 's3', 'hiking boots for the Alps'),
    ]);
    const plain = await recall('Caroline hiking Alps sister Anna', { preset: 'lexical-only' });
    expect(ids(plain)).toEqual([a!.id, b!.id, c!.id]);
    expect(plain.hits.every((h) => h.explain.fusedRank === undefined)).toBe(true);
    const diverse = await recall('Caroline hiking Alps sister Anna', { preset: 'lexical-only', mmrLambda: 0.3 });
    expect(ids(diverse)).toEqual([a!.id, c!.id, b!.id]);
    expect(diverse.hits[1]!.explain.fusedRank).toBe(3);
    expect(diverse.hits[2]!.explain.fusedRank).toBe(2);
    const hybridMmr = await recall('Caroline hiking Alps sister Anna', { preset: 'hybrid-mmr', k: 3 });
    expect(hybridMmr.preset).toBe('hybrid-mmr');
    expect(hybridMmr.hits).toHaveLength(3);
  });

  it('the temporal channel resolves time expressions against the reference time and ranks units of that window', async () => {
    const { tenant, backend, recall } = setup();
    const [may, july] = await backend.append([
      turn(tenant, 's1', 'Caroline ran a half marathon', { time: '2023-05-20T09:00:00Z' }),
      turn(tenant, 's1', 'Caroline ran a full marathon', { time: '2023-07-20T09:00:00Z' }),
    ]);
    const response = await recall('What did Caroline run in May 2023?', { referenceTime: '2024-01-01T00:00:00Z' });
    expect(response.timeExpressions).toEqual([{ text: 'May 2023', from: '2023-05-01T00:00:00.000Z', to: '2023-06-01T00:00:00.000Z' }]);
    expect(response.timings.channels.temporal).toBeGreaterThanOrEqual(0);
    expect(response.hits.find((h) => h.unitId === may!.id)!.explain.channels.temporal).toMatchObject({ rank: 1, weight: HYBRID.temporal });
    expect(response.hits.find((h) => h.unitId === july!.id)!.explain.channels.temporal).toBeUndefined();
    expect(ids(response)[0]).toBe(may!.id);
    const noTime = await recall('What did Caroline run?');
    expect(noTime.timeExpressions).toEqual([]);
    expect(noTime.timings.channels.temporal).toBeUndefined();
  });

  describe('consistency token', () => {
    const tokenAt = (nextOffset: number) => encodeConsistencyToken([{ partition: 0, offset: nextOffset - 1 }]);

    it('a token the projections reached: reached true, nothing behind', async () => {
      const { tenant, backend, recall } = setup();
      const [e] = await backend.append([turn(tenant, 's1', 'Caroline bought a kayak')]);
      const response = await recall('kayak', { consistencyToken: tokenAt(e!.offset + 1) });
      expect(response.consistency).toMatchObject({ requested: true, reached: true, behind: [] });
      expect(ids(response)).toEqual([e!.id]);
    });

    it('a token beyond what the projections reached: reached false after the timeout, the projections behind listed', async () => {
      const { tenant, backend, recall } = setup();
      await backend.append([turn(tenant, 's1', 'Caroline bought a kayak')]);
      const response = await recall('kayak', { consistencyToken: tokenAt(backend.nextOffset + 5), consistencyTimeoutMs: 40 });
      expect(response.consistency.requested).toBe(true);
      expect(response.consistency.reached).toBe(false);
      expect(response.consistency.waitedMs).toBeGreaterThanOrEqual(35);
      expect([...response.consistency.behind].sort()).toEqual(['memory-units', 'vectors', 'graph'].sort());
      expect(response.hits).toHaveLength(1);
      const lexicalOnly = await recall('kayak', { preset: 'lexical-only', consistencyToken: tokenAt(backend.nextOffset + 5), consistencyTimeoutMs: 0 });
      expect([...lexicalOnly.consistency.behind].sort()).toEqual(['memory-units', 'vectors']);
    });

    it('waits for a write that lands within the timeout, then sees it', async () => {
      const { tenant, backend, recall } = setup();
      const pending = recall('canoe', { consistencyToken: tokenAt(backend.nextOffset + 1), consistencyTimeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const [e] = await backend.append([turn(tenant, 's1', 'Caroline bought a canoe')]);
      const response = await pending;
      expect(response.consistency).toMatchObject({ requested: true, reached: true, behind: [] });
      expect(ids(response)).toEqual([e!.id]);
    });

    it('a malformed token is a ValidationError at /consistencyToken', async () => {
      const { recall } = setup();
      for (const token of ['garbage', 'mf1.%%%', `mf1.${Buffer.from('[1]').toString('base64url')}`]) {
        const error = await rejection(recall('kayak', { consistencyToken: token }));
        expect(error.problems.map((p) => p.pointer)).toEqual(['/consistencyToken']);
      }
    });
  });

  describe('query log', () => {
    it('every recall is logged once with tenant, caller, k, preset, latencies, the returned unit ids and a query hash, never the text', async () => {
      const { tenant, backend, recall } = setup();
      await backend.append([turn(tenant, 's1', 'Caroline bought a kayak'), turn(tenant, 's1', 'Caroline sold her bike')]);
      const first = await recall('Caroline KAYAK', { k: 2, caller: 'agent:planner' });
      const second = await recall('  caroline   kayak ', { preset: 'lexical-only', k: 1, validAt: '2023-06-01T00:00:00Z' });
      await recall('nothing matches zzz', { preset: 'lexical-only' });
      expect(backend.queries).toHaveLength(3);
      const [row1, row2, row3] = backend.queries;
      expect(row1).toMatchObject({ queryId: first.queryId, tenantId: tenant, caller: 'agent:planner', k: 2, preset: 'hybrid-rrf', unitIds: ids(first), asOf: null, validAt: null });
      expect(Object.keys(row1!.channelLatencyMs).sort()).toEqual(Object.keys(first.timings.channels).sort());
      expect(row1!.totalLatencyMs).toBe(first.timings.totalMs);
      expect(row2).toMatchObject({ queryId: second.queryId, caller: 'anonymous', k: 1, preset: 'lexical-only', unitIds: ids(second), validAt: '2023-06-01T00:00:00.000Z' });
      expect(row3).toMatchObject({ unitIds: [], preset: 'lexical-only' });
      expect(row1!.queryHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row2!.queryHash).toBe(row1!.queryHash);
      expect(row3!.queryHash).not.toBe(row1!.queryHash);
      for (const row of backend.queries) {
        const json = JSON.stringify(row).toLowerCase();
        expect(json).not.toContain('kayak');
        expect(json).not.toContain('zzz');
      }
      expect(new Set(backend.queries.map((r) => r.queryId)).size).toBe(3);
    });

    it('uses the injected runtime for the query id, the log time and latencies; asOf time is logged', async () => {
      const tenant = uniqueTenant();
      const backend = new InMemoryRecallBackend();
      let tick = 0;
      const engine = new RecallEngine(backend, { runtime: { now: () => Date.UTC(2024, 5, 1), monotonic: () => (tick += 5), newId: () => 'query-1' } });
      await backend.append([turn(tenant, 's1', 'Caroline bought a kayak')]);
      const response = await engine.recall({ query: 'kayak', scope: { tenant }, preset: 'lexical-only', asOf: { time: '2024-01-01T00:00:00Z' } });
      expect(response.queryId).toBe('query-1');
      expect(response.timings.channels.lexical).toBe(5);
      expect(response.timings.totalMs).toBeGreaterThan(0);
      expect(backend.queries[0]).toMatchObject({ queryId: 'query-1', at: '2024-06-01T00:00:00.000Z', asOf: '2024-01-01T00:00:00.000Z' });
    });
  });

  it('presets() lists the configured presets; a custom preset is usable by name', async () => {
    const { tenant, backend } = setup();
    const engine = new RecallEngine(backend, {
      presets: [{ name: 'mine', description: 'lexical, 5 candidates', weights: { lexical: 1 }, rrfK: 10, mmrLambda: null, candidates: 5, options: {} }],
    });
    expect(engine.presets().map((p) => p.name)).toEqual(['mine']);
    await backend.append([turn(tenant, 's1', 'Caroline bought a kayak')]);
    const response = await engine.recall({ query: 'kayak', scope: { tenant }, preset: 'mine' });
    expect(response.hits[0]!.explain.channels.lexical!.contribution).toBeCloseTo(1 / 11, 12);
    const error = await rejection(engine.recall({ query: 'kayak', scope: { tenant } }));
    expect(error.problems[0]!.pointer).toBe('/preset');
  });

  it('the recency channel, when weighted, ranks the candidates newest first in world time', async () => {
    const { tenant, backend, recall } = setup();
    const [old, recent] = await backend.append([
      turn(tenant, 's', 'we went kayaking on the lake', { time: '2023-01-10T10:00:00.000Z' }),
      turn(tenant, 's', 'we went kayaking on the river', { time: '2023-09-10T10:00:00.000Z' }),
    ]);
    const response = await recall('kayaking', { weights: { lexical: 0, graph: 0, temporal: 0, context: 0, dense: 0, recency: 1 }, preset: 'lexical-only' });
    expect(response.hits).toEqual([]);
    const both = await recall('kayaking', { preset: 'lexical-only', weights: { recency: 1 } });
    expect(Object.keys(both.timings.channels).sort()).toEqual(['lexical', 'recency']);
    const recency = (id: string) => both.hits.find((h) => h.unitId === id)!.explain.channels.recency!;
    expect(recency(recent!.id).rank).toBe(1);
    expect(recency(old!.id).rank).toBe(2);
    expect(recency(recent!.id).score).toBe(Date.parse('2023-09-10T10:00:00.000Z'));
  });
});

describe('RecallEngine: query embedding overlaps the channels that need no vector', () => {
  it('hands the query to the embedder before a query channel without a vector runs, and fuses the same', async () => {
    const order: string[] = [];
    const hash = new HashEmbedder({ dimensions: 64 });
    // like a caching decorator in front of a worker: the request leaves after a microtask hop
    const embedder: Embedder = {
      modelId: hash.modelId,
      dimensions: hash.dimensions,
      async embed(texts) {
        await Promise.resolve();
        order.push(`embed ${texts.join('|')}`);
        return hash.embed(texts);
      },
    };
    const backend = new InMemoryRecallBackend({ embedder });
    const tenant = uniqueTenant();
    await backend.append([turn(tenant, 's1', 'Caroline adopted a greyhound called Oscar'), turn(tenant, 's1', 'Melanie painted a lake at sunrise', { actor: 'melanie' })]);
    order.length = 0; // the units' own embeddings
    // a channel listed before dense that needs no vector: it used to run before the embedding started
    const probe: RecallChannel = {
      name: 'probe',
      description: 'records when it runs',
      stage: 'query',
      readModels: [],
      defaults: {},
      rank: () => {
        order.push('probe');
        return Promise.resolve({ items: [] });
      },
    };
    const preset: RecallPreset = { name: 'probe-dense', description: 'probe and dense', weights: { probe: 1, dense: 1 }, rrfK: 60, mmrLambda: null, candidates: 10, options: {} };
    const engine = new RecallEngine(backend, { channels: [probe, denseChannel], presets: [preset] });
    const response = await engine.recall({ query: 'greyhound Oscar', scope: { tenant }, preset: 'probe-dense', k: 2 });
    expect(order).toEqual(['embed greyhound Oscar', 'probe']);
    // the dense ranking is the one dense alone gives
    const alone = await new RecallEngine(backend, { channels: [denseChannel], presets: [{ ...preset, name: 'dense', weights: { dense: 1 } }] }).recall({
      query: 'greyhound Oscar',
      scope: { tenant },
      preset: 'dense',
      k: 2,
    });
    expect(ids(response)).toEqual(ids(alone));
  });

  it('does not embed the query when no running channel needs a vector', async () => {
    const calls: string[] = [];
    const hash = new HashEmbedder({ dimensions: 64 });
    const embedder: Embedder = { modelId: hash.modelId, dimensions: hash.dimensions, embed: (texts) => (calls.push(...texts), hash.embed(texts)) };
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend({ embedder });
    await backend.append([turn(tenant, 's1', 'Caroline adopted a greyhound called Oscar')]);
    calls.length = 0;
    const response = await new RecallEngine(backend).recall({ query: 'greyhound Oscar', scope: { tenant }, preset: 'lexical-only' });
    expect(response.hits).toHaveLength(1);
    expect(calls).toEqual([]);
  });
});

describe('RecallEngine: learned fusion', () => {
  it('re-orders the weighted-RRF candidates as the preset’s model weighs the channels, before the k cut', async () => {
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend();
    const units = await backend.append([turn(tenant, 's1', 'first turn'), turn(tenant, 's1', 'second turn'), turn(tenant, 's1', 'third turn')]);
    const [u1, u2, u3] = units.map((u) => u.id);
    // two fixed channels ranking the same units in opposite orders
    const fixed = (name: string, order: string[]): RecallChannel => ({
      name,
      description: `fixed order ${name}`,
      stage: 'query',
      readModels: [],
      defaults: {},
      rank: () => Promise.resolve({ items: order.map((id, i) => ({ id, score: 10 - i })) }),
    });
    const channels = [fixed('up', [u1!, u2!, u3!]), fixed('down', [u3!, u2!, u1!])];
    const features = fusionFeatureNames(['up', 'down']);
    const learned = (weights: Record<string, number>, pool = 10): RecallPreset => ({
      name: 'learned',
      description: 'up and down, learned',
      // RRF alone prefers `up` (weight 2): u1, u2, u3
      weights: { up: 2, down: 1 },
      rrfK: 60,
      mmrLambda: null,
      candidates: 10,
      options: {},
      fusion: { kind: 'learned', model: { format: LEARNED_FUSION_FORMAT, channels: ['up', 'down'], features, weights: features.map((f) => weights[f] ?? 0), bias: 0, pool } },
    });
    const recall = (preset: RecallPreset, k = 3) => new RecallEngine(backend, { channels, presets: [preset] }).recall({ query: 'turn', scope: { tenant }, preset: 'learned', k });
    const rrf = await recall({ ...learned({}), fusion: undefined });
    expect(ids(rrf)).toEqual([u1, u2, u3]);
    // the model trusts `down`'s rank: its order wins over RRF's, with σ(w·x) as the hit score
    const down = await recall(learned({ 'down.rr': 3 }));
    expect(ids(down)).toEqual([u3, u2, u1]);
    expect(down.hits[0]!.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 12);
    expect(down.hits[0]!.explain.channels.down).toMatchObject({ rank: 1, score: 10 });
    // it trusts `up`'s scaled score: RRF's order
    expect(ids(await recall(learned({ 'up.score': 1 })))).toEqual([u1, u2, u3]);
    // the cut at k comes after the re-ordering
    expect(ids(await recall(learned({ 'down.rr': 3 }), 1))).toEqual([u3]);
    // only the pool is re-ordered: with a pool of 2, u3 (RRF's third) stays last
    expect(ids(await recall(learned({ 'down.rr': 3 }, 2)))).toEqual([u2, u1, u3]);
  });
});
