import { describe, expect, it } from 'vitest';
import { ValidationError } from '@memfabric/errors';
import { interaction, uniqueTenant } from '@memfabric/event-log/testing';
import type { NewEvent } from '@memfabric/events';
import type { MemoryUnit } from '@memfabric/projections';
import { RecallEngine } from '../engine.js';
import { validatePresets } from '../presets.js';
import { InMemoryRecallBackend } from '../testing/index.js';
import type { RecallPreset, RecallResponse } from '../types.js';
import { namedSpeakers } from './speaker.channel.js';

const MAY = '2023-05-08T13:56:00.000Z';

function turn(tenant: string, stream: string, speaker: string, content: string): NewEvent {
  return interaction(tenant, stream, content, { actor: speaker.toLowerCase(), time: MAY, data: { kind: 'message', role: 'user', content, speaker } });
}

const preset = (name: string, weights: Record<string, number>, options: RecallPreset['options'] = {}): RecallPreset => ({
  name,
  description: name,
  weights,
  rrfK: 60,
  mmrLambda: null,
  candidates: 50,
  options,
});

const unit = (speaker: string | null) => ({ speaker }) as MemoryUnit;
/** Pointers of the problems `validatePresets` finds in `value`. */
function problems(value: unknown): string[] {
  try {
    validatePresets(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).problems.map((p) => p.pointer);
  }
  return [];
}
const ids = (response: RecallResponse) => response.hits.map((h) => h.unitId);

describe('namedSpeakers', () => {
  it('finds a speaker by first name or whole name, case-insensitive, possessive dropped', () => {
    const units = [unit('Caroline'), unit('Melanie Smith'), unit(null), unit('Tim')];
    expect([...namedSpeakers("What did caroline's friend say?", units)]).toEqual(['Caroline']);
    expect([...namedSpeakers('Where does Melanie Smith live?', units)]).toEqual(['Melanie Smith']);
    expect([...namedSpeakers('What does melanie paint?', units)]).toEqual(['Melanie Smith']);
    expect([...namedSpeakers('Timothy and Carol', units)]).toEqual([]);
  });
});

describe('speaker channel', () => {
  it('lifts the named speaker’s turns over another speaker’s equally matching turns, and abstains without a name', async () => {
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend();
    // Joanna's question repeats the query's words: without the prior it ranks first
    const [joanna, nate] = await backend.append([
      turn(tenant, 's1', 'Joanna', 'Nate, which video games do you play? I love video games'),
      turn(tenant, 's1', 'Nate', 'I play games like Valorant with my team'),
    ]);
    const engine = new RecallEngine(backend, { presets: [preset('lexical', { lexical: 1 }), preset('with-speaker', { lexical: 1, speaker: 1 })] });
    const recall = (query: string, name: string) => engine.recall({ query, scope: { tenant }, k: 10, preset: name });
    expect(ids(await recall('What video games does Nate play?', 'lexical'))[0]).toBe(joanna!.id);
    const lifted = await recall('What video games does Nate play?', 'with-speaker');
    expect(ids(lifted)[0]).toBe(nate!.id);
    expect(lifted.hits[0]!.explain.channels.speaker).toMatchObject({ rank: 1, weight: 1 });
    expect(lifted.hits[1]!.explain.channels.speaker).toBeUndefined();
    // both speakers named, or none: the channel ranks nothing
    const both = await recall('What video games do Nate and Joanna play?', 'with-speaker');
    expect(both.hits.every((h) => h.explain.channels.speaker === undefined)).toBe(true);
    const none = await recall('Which video games are fun?', 'with-speaker');
    expect(none.hits.every((h) => h.explain.channels.speaker === undefined)).toBe(true);
  });

  it('takes no options', () => {
    expect(problems([preset('bad', { speaker: 1 }, { speaker: { boost: 2 } })])).toEqual(['/0/options/speaker/boost']);
  });
});

describe('lexical pseudo-relevance feedback', () => {
  it('re-ranks candidates by words shared by the top hits, without adding any', async () => {
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend();
    const [, , target, other] = await backend.append([
      turn(tenant, 's1', 'Tim', 'the marathon training plan: intervals on tuesday and long runs on sunday'),
      turn(tenant, 's1', 'Tim', 'marathon day was hard, my intervals and long runs paid off'),
      // matches the query word once, like `other`, and is longer (lower BM25) but shares the feedback words
      turn(tenant, 's2', 'Tim', 'a marathon pace chart for the autumn race season, with intervals and long runs'),
      turn(tenant, 's2', 'Tim', 'my cousin saw a marathon'),
    ]);
    const feedback = { docs: 3, terms: 5, weight: 0.5 };
    const engine = new RecallEngine(backend, {
      presets: [preset('plain', { lexical: 1 }), preset('rm3', { lexical: 1 }, { lexical: { propagation: { seeds: 0, answer: 0, following: 0, preceding: 0 }, feedback } })],
    });
    const recall = (name: string) => engine.recall({ query: 'marathon', scope: { tenant }, k: 10, preset: name });
    const plain = ids(await recall('plain'));
    const rm3 = ids(await recall('rm3'));
    expect(plain.indexOf(other!.id)).toBeLessThan(plain.indexOf(target!.id));
    expect(new Set(rm3)).toEqual(new Set(plain));
    expect(rm3.indexOf(target!.id)).toBeLessThan(rm3.indexOf(other!.id));
  });

  it('checks its options', () => {
    const bad = { lexical: { feedback: { docs: 101, terms: -1, weight: 2 } } };
    expect(problems([preset('bad', { lexical: 1 }, bad)])).toEqual(['/0/options/lexical/feedback/docs', '/0/options/lexical/feedback/terms', '/0/options/lexical/feedback/weight']);
  });
});

describe('session-spread channel', () => {
  it('gives the best hit of each session a share before the second of any session', async () => {
    const tenant = uniqueTenant();
    const backend = new InMemoryRecallBackend();
    const [a1, a2, a3, b1] = await backend.append([
      turn(tenant, 'session-a', 'Nate', 'I won the Valorant tournament, Valorant is my game'),
      turn(tenant, 'session-a', 'Nate', 'the Valorant final went to overtime'),
      turn(tenant, 'session-a', 'Nate', 'Valorant practice every night'),
      turn(tenant, 'session-b', 'Nate', 'I also play Street Fighter and some Valorant on weekends with friends from school'),
    ]);
    const engine = new RecallEngine(backend, { presets: [preset('lexical', { lexical: 1 }), preset('spread', { lexical: 1, 'session-spread': 3 })] });
    const recall = (name: string) => engine.recall({ query: 'Valorant', scope: { tenant }, k: 10, preset: name });
    const plain = ids(await recall('lexical'));
    expect(plain.indexOf(b1!.id)).toBe(3);
    const spread = await recall('spread');
    expect(ids(spread).slice(0, 2).sort()).toEqual([a1!.id, b1!.id].sort());
    expect(spread.hits.find((h) => h.unitId === b1!.id)!.explain.channels['session-spread']).toMatchObject({ rank: 2 });
    expect(new Set(ids(spread))).toEqual(new Set([a1!.id, a2!.id, a3!.id, b1!.id]));
  });
});
