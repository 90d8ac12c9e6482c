import { ValidationError, type FieldProblem } from '@memfabric/errors';
import type { EventEnvelope, InteractionRecorded } from '@memfabric/events';
import { sampleSessionTurns, sampleTurnWords } from './locomo-lengths.js';
import { mixSeed, Prng, ZipfPicker } from './prng.js';
import { composeTurn } from './sentences.js';
import { PERSON_NAMES, TOPICS } from './vocabulary.js';

/** What corpus to generate. Same options, same corpus, byte for byte. */
export interface CorpusOptions {
  /** Memory units (interaction.recorded events) in total, 1..100,000,000. */
  readonly units: number;
  /** Tenants the units are spread over, 1..100,000; default 100. */
  readonly tenants?: number;
  /** Seed of every random choice (an unsigned 32-bit integer); default 1. */
  readonly seed?: number;
  /**
   * Zipf exponent of tenant sizes: 0 (default) gives every tenant the same number of units
   * (±1); s > 0 gives tenant i a share proportional to 1 / (i + 1)^s (a few large tenants, a long tail).
   */
  readonly tenantSkew?: number;
  /** World time of the first session of the first tenant (RFC 3339); default `2022-01-03T09:00:00.000Z`. */
  readonly start?: string;
  /** Tenant ids are `<prefix><index>` with the index zero-padded to 4 digits; default `tenant-`. */
  readonly tenantPrefix?: string;
}

/** One stream (a conversation session) of a tenant. */
export interface SessionPlan {
  /** 1-based session number; the stream id is `session_<n>`. */
  readonly n: number;
  /** World time of the session's first turn, ms since the Unix epoch. */
  readonly start: number;
  /** Turns (memory units) in the session. */
  readonly turns: number;
  /** The participants (2 or 3 display names) who alternate turns. */
  readonly speakers: readonly string[];
  /** Topic of the session. */
  readonly topic: string;
}

/** One tenant: its people and sessions. */
export interface TenantPlan {
  readonly index: number;
  readonly id: string;
  /** The tenant's people (3..6 distinct display names); every speaker is one of them. */
  readonly cast: readonly string[];
  readonly sessions: readonly SessionPlan[];
  /** Units of the tenant (sum of its sessions' turns). */
  readonly units: number;
}

/** The layout of a corpus: who talks in which session, when, how many turns. Cheap to compute. */
export interface CorpusPlan {
  readonly seed: number;
  readonly units: number;
  readonly tenants: readonly TenantPlan[];
}

/** A generated turn. */
export interface CorpusTurn {
  /** `D<session>:<turn>` (1-based), as LoCoMo's `dia_id`. */
  readonly ref: string;
  readonly speaker: string;
  readonly text: string;
  /** World time, ms since the Unix epoch. */
  readonly time: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Event `source` of generated events. */
export const CORPUS_SOURCE = 'urn:memfabric:bench:corpus';

function positiveInteger(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}

/** Checks options and fills in defaults. @throws ValidationError naming every bad field. */
function checkOptions(options: CorpusOptions): Required<CorpusOptions> {
  const problems: FieldProblem[] = [];
  if (!positiveInteger(options.units, 100_000_000)) problems.push({ pointer: '/units', detail: 'must be an integer from 1 to 100000000' });
  const tenants = options.tenants ?? 100;
  if (!positiveInteger(tenants, 100_000)) problems.push({ pointer: '/tenants', detail: 'must be an integer from 1 to 100000' });
  else if (positiveInteger(options.units, 100_000_000) && tenants > options.units) {
    problems.push({ pointer: '/tenants', detail: `must not exceed units (${options.units})` });
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) problems.push({ pointer: '/seed', detail: 'must be an integer from 0 to 4294967295' });
  const tenantSkew = options.tenantSkew ?? 0;
  if (!Number.isFinite(tenantSkew) || tenantSkew < 0 || tenantSkew > 4) problems.push({ pointer: '/tenantSkew', detail: 'must be a number from 0 to 4' });
  const start = options.start ?? '2022-01-03T09:00:00.000Z';
  if (!Number.isFinite(Date.parse(start))) problems.push({ pointer: '/start', detail: 'must be an RFC 3339 date-time' });
  const tenantPrefix = options.tenantPrefix ?? 'tenant-';
  if (!/^[A-Za-z0-9._:-]{0,64}$/.test(tenantPrefix)) problems.push({ pointer: '/tenantPrefix', detail: 'must be at most 64 of A-Z a-z 0-9 . _ : -' });
  if (problems.length > 0) throw new ValidationError(`invalid corpus options: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
  return { units: options.units, tenants, seed, tenantSkew, start, tenantPrefix };
}

/** Units per tenant: equal shares (±1) or Zipf shares, each at least 1, summing to `units`. */
function tenantSizes(units: number, tenants: number, skew: number): number[] {
  if (skew === 0) return Array.from({ length: tenants }, (_, i) => Math.floor(units / tenants) + (i < units % tenants ? 1 : 0));
  const weights = Array.from({ length: tenants }, (_, i) => 1 / Math.pow(i + 1, skew));
  const total = weights.reduce((a, b) => a + b, 0);
  const spare = units - tenants;
  const sizes = weights.map((w) => 1 + Math.floor((spare * w) / total));
  let left = units - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % tenants, left--) sizes[i]! += 1;
  return sizes;
}

const castNames = new ZipfPicker(PERSON_NAMES, 0.6);
const topics = new ZipfPicker(TOPICS);

/**
 * Lays out a corpus: per tenant a cast of 3..6 people and sessions whose lengths follow the
 * LoCoMo dev split (13..43 turns, mean 21.6; the last session is cut to the tenant's size),
 * 2 participants per session (3 in one session out of five), sessions 1..14 days apart at a
 * daytime hour. Deterministic in the options.
 * @throws ValidationError naming every bad option.
 */
export function planCorpus(options: CorpusOptions): CorpusPlan {
  const o = checkOptions(options);
  const sizes = tenantSizes(o.units, o.tenants, o.tenantSkew);
  const origin = Date.parse(o.start);
  const tenants = sizes.map((size, index): TenantPlan => {
    const random = new Prng(mixSeed(o.seed, index, 0x7e4a47));
    const castSize = random.range(3, 6);
    const cast: string[] = [];
    while (cast.length < castSize) {
      const name = castNames.pick(random);
      if (!cast.includes(name)) cast.push(name);
    }
    const sessions: SessionPlan[] = [];
    // tenants start within the first 90 days, at different hours
    let day = random.int(90);
    let left = size;
    while (left > 0) {
      const turns = Math.min(left, sampleSessionTurns(random));
      const speakers = random.chance(0.2) ? pickDistinct(random, cast, 3) : pickDistinct(random, cast, 2);
      const start = origin + day * DAY_MS + random.range(0, 12 * 60) * MINUTE_MS;
      sessions.push({ n: sessions.length + 1, start, turns, speakers, topic: topics.pick(random) });
      left -= turns;
      day += random.range(1, 14);
    }
    return { index, id: `${o.tenantPrefix}${String(index).padStart(4, '0')}`, cast, sessions, units: size };
  });
  return { seed: o.seed, units: o.units, tenants };
}

function pickDistinct(random: Prng, from: readonly string[], n: number): string[] {
  const pool = [...from];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(random.int(pool.length), 1)[0]!);
  return out;
}

/**
 * The turns of one session, generated on demand (each session has its own seeded generator, so
 * any session can be regenerated without the others: the query generator uses this).
 * Speakers alternate (with three, never the same twice in a row); a turn's world time is the
 * session start plus 20..90 s per earlier turn; lengths follow the LoCoMo dev split.
 */
export function sessionTurns(plan: CorpusPlan, tenant: TenantPlan, session: SessionPlan): CorpusTurn[] {
  const random = new Prng(mixSeed(plan.seed, tenant.index, session.n, 0x5e5510));
  const turns: CorpusTurn[] = [];
  let time = session.start;
  let speakerIndex = random.int(session.speakers.length);
  for (let t = 0; t < session.turns; t++) {
    const speaker = session.speakers[speakerIndex]!;
    let addresseeIndex = (speakerIndex + 1) % session.speakers.length;
    if (session.speakers.length > 2 && random.chance(0.5)) addresseeIndex = (speakerIndex + 2) % session.speakers.length;
    const addressee = session.speakers[addresseeIndex]!;
    const mentioned = tenant.cast.filter((name) => name !== speaker && name !== addressee);
    const text = composeTurn(random, sampleTurnWords(random), { speaker, addressee, mentioned, topic: session.topic, sessionTime: session.start });
    turns.push({ ref: `D${session.n}:${t + 1}`, speaker, text, time });
    time += random.range(20, 90) * 1000;
    speakerIndex = addresseeIndex;
  }
  return turns;
}

/**
 * The interaction.recorded event of one turn, shaped as `@memfabric/locomo`'s `locomoEvents`:
 * tenant, stream `session_<n>`, actor = data subject = speaker, subject = `sourceref` =
 * `D<session>:<turn>`, idempotency key `bench:<seed>:<tenant>:<ref>`.
 */
export function turnEvent(plan: CorpusPlan, tenant: TenantPlan, session: SessionPlan, turn: CorpusTurn): EventEnvelope {
  const data: InteractionRecorded = { kind: 'message', role: 'user', content: turn.text, speaker: turn.speaker, sourceref: turn.ref };
  return {
    source: CORPUS_SOURCE,
    type: 'interaction.recorded',
    subject: turn.ref,
    time: new Date(turn.time).toISOString(),
    tenantid: tenant.id,
    streamid: `session_${session.n}`,
    actor: turn.speaker,
    datasubject: turn.speaker,
    idempotencykey: `bench:${plan.seed}:${tenant.id}:${turn.ref}`,
    data: data as unknown as EventEnvelope['data'],
  };
}

/**
 * Every event of the corpus, lazily (1M events never sit in memory at once): session 1 of every
 * tenant, then session 2 of every tenant, ..., so tenants grow side by side as they would on a
 * shared fabric. Yields exactly `plan.units` events.
 */
export function* corpusEvents(plan: CorpusPlan): Generator<EventEnvelope> {
  const rounds = plan.tenants.reduce((most, t) => Math.max(most, t.sessions.length), 0);
  for (let s = 0; s < rounds; s++) {
    for (const tenant of plan.tenants) {
      const session = tenant.sessions[s];
      if (!session) continue;
      for (const turn of sessionTurns(plan, tenant, session)) yield turnEvent(plan, tenant, session, turn);
    }
  }
}
