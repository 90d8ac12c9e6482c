/**
 * One large tenant for the size axis of the recall benchmark (`npm run bench:recall --
 * --tenant-units N`): N conversational turns of ONE tenant whose text is recombined from the
 * turns of the LoCoMo dev split (Maharana et al., ACL 2024; `../shared/data/locomo`), so the
 * offline extractor finds the people, places, books and dates it finds in real dialogue and the
 * graph channel has entities to match; and a query set of LoCoMo questions with the tenant's
 * people put in.
 *
 * Recombination: every LoCoMo turn is split into sentences; the names of the turn's speaker and
 * of the other participant are replaced by the slots `{S}` and `{O}`. A generated turn takes as
 * many sentences as a random LoCoMo turn holds, each drawn uniformly from the whole pool, with
 * `{S}` filled by its speaker and `{O}` by the person addressed. Sessions (streams
 * `session_<n>`) follow the LoCoMo dev split's lengths (13..43 turns) between 2 people of a
 * cast of 60 (Zipf frequencies, exponent 0.6, so a few people talk much more than the rest),
 * spread evenly over three years from 2021-01-04, 20..90 s between turns. Deterministic in
 * (file, units, seed).
 */
import { readFileSync } from 'node:fs';
import { mixSeed, MONTHS, PERSON_NAMES, Prng, RELATIVE_TIMES, sampleSessionTurns, ZipfPicker, type BenchQuery } from '@memfabric/bench-corpus';
import type { EventEnvelope, InteractionRecorded } from '@memfabric/events';
import { readLocomo } from '@memfabric/locomo';

/** Tenant id of the one-tenant corpus. */
export const TENANT_ID = 'tenant-large';
/** Event `source` of the generated turns. */
export const TENANT_CORPUS_SOURCE = 'urn:memfabric:bench:locomo-tenant';
/** People of the tenant. */
const CAST_SIZE = 60;
/** World time of the first session. */
const START_MS = Date.parse('2021-01-04T09:00:00.000Z');
/** Sessions spread over this span whatever the size, ms (three years). */
const SPAN_MS = 3 * 365 * 86_400_000;
/** Mean session length of the LoCoMo dev split, turns. */
const MEAN_SESSION_TURNS = 21.6;

/** What the generator recombines, read once from the LoCoMo file. */
export interface LocomoPool {
  /** Sentences with `{S}` (the speaker) and `{O}` (the person addressed) slots. */
  readonly sentences: readonly string[];
  /** Sentences per LoCoMo turn, one entry per turn (sampled for each generated turn). */
  readonly sentencesPerTurn: readonly number[];
  /** Questions with `{A}` / `{B}` slots for the conversation's two speakers. */
  readonly questions: readonly string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SENTENCE = /[^.!?]+(?:[.!?]+|$)/g;

/**
 * Reads the LoCoMo file into a {@link LocomoPool}.
 * @throws ValidationError (from `readLocomo`) when the file is not in the LoCoMo layout; the
 *   file system error when it cannot be read.
 */
export function loadLocomoPool(file: string): LocomoPool {
  const conversations = readLocomo(JSON.parse(readFileSync(file, 'utf8')));
  const sentences: string[] = [];
  const sentencesPerTurn: number[] = [];
  const questions: string[] = [];
  for (const c of conversations) {
    const [a, b] = c.speakers;
    const slot = (text: string, self: string, other: string) =>
      text.replace(new RegExp(`\\b${escape(self)}\\b`, 'g'), '{S}').replace(new RegExp(`\\b${escape(other)}\\b`, 'g'), '{O}');
    for (const session of c.sessions) {
      for (const turn of session.turns) {
        const other = turn.speaker === a ? b : a;
        const parts = (turn.text.match(SENTENCE) ?? []).map((s) => s.trim()).filter((s) => s.length >= 3);
        if (parts.length === 0) continue;
        sentencesPerTurn.push(parts.length);
        for (const part of parts) sentences.push(slot(part, turn.speaker, other));
      }
    }
    for (const q of c.questions) {
      questions.push(q.question.replace(new RegExp(`\\b${escape(a)}\\b`, 'g'), '{A}').replace(new RegExp(`\\b${escape(b)}\\b`, 'g'), '{B}'));
    }
  }
  return { sentences, sentencesPerTurn, questions };
}

/** The tenant's people, most talkative first. */
export function tenantCast(): readonly string[] {
  return PERSON_NAMES.slice(0, CAST_SIZE);
}

const fill = (text: string, slots: Readonly<Record<string, string>>) => text.replace(/\{([A-Z])\}/g, (whole, key: string) => slots[key] ?? whole);

function twoPeople(random: Prng, picker: ZipfPicker<string>): [string, string] {
  const first = picker.pick(random);
  let second = picker.pick(random);
  while (second === first) second = picker.pick(random);
  return [first, second];
}

/**
 * Every turn of the corpus as an `interaction.recorded` event, lazily (1M events never sit in
 * memory at once), shaped as `@memfabric/bench-corpus`'s `turnEvent`: tenant {@link TENANT_ID},
 * stream `session_<n>`, actor = data subject = speaker, subject = `sourceref` = `D<n>:<turn>`.
 * Yields exactly `units` events.
 */
export function* tenantCorpusEvents(pool: LocomoPool, units: number, seed: number): Generator<EventEnvelope> {
  const random = new Prng(mixSeed(seed, 0x1a76e));
  const picker = new ZipfPicker(tenantCast(), 0.6);
  const gap = SPAN_MS / Math.max(1, units / MEAN_SESSION_TURNS);
  let sessionStart = START_MS;
  let left = units;
  for (let n = 1; left > 0; n++) {
    const turns = Math.min(left, sampleSessionTurns(random));
    const speakers = twoPeople(random, picker);
    let time = sessionStart + random.range(0, 10 * 60) * 60_000;
    let who = random.int(2);
    for (let t = 1; t <= turns; t++) {
      const speaker = speakers[who]!;
      const addressee = speakers[1 - who]!;
      const count = random.pick(pool.sentencesPerTurn);
      const parts: string[] = [];
      for (let i = 0; i < count; i++) parts.push(fill(random.pick(pool.sentences), { S: speaker, O: addressee }));
      const ref = `D${n}:${t}`;
      const data: InteractionRecorded = { kind: 'message', role: 'user', content: parts.join(' '), speaker, sourceref: ref };
      yield {
        source: TENANT_CORPUS_SOURCE,
        type: 'interaction.recorded',
        subject: ref,
        time: new Date(time).toISOString(),
        tenantid: TENANT_ID,
        streamid: `session_${n}`,
        actor: speaker,
        datasubject: speaker,
        idempotencykey: `bench-tenant:${seed}:${ref}`,
        data: data as unknown as EventEnvelope['data'],
      };
      time += random.range(20, 90) * 1000;
      who = 1 - who;
    }
    left -= turns;
    sessionStart += Math.round(gap * (0.5 + random.float()));
  }
}

/** Relative time expressions a past-tense question can carry (none pointing to the future). */
const PAST_TIMES = RELATIVE_TIMES.filter((t) => !/^(next|tomorrow|this|today|on )/.test(t));

/**
 * `count` distinct queries over the one tenant, never one of `exclude` (generated texts are
 * added to it, so a later set never repeats an earlier one and no query is answered from an
 * embedding cache):
 * - `entity` (60 %): a LoCoMo question with two of the tenant's people in its name slots
 *   ("What did Sarah research?"): the graph channel matches the names;
 * - `temporal` (20 %): a LoCoMo question without its "When", followed by a time expression
 *   ("in May 2022", "last month") resolved against `referenceTime`, a random moment inside the
 *   three years;
 * - `turn-words` (20 %): 3..6 consecutive words of a pool sentence.
 * @throws Error when `count` distinct texts cannot be made (an impossible `count`).
 */
export function tenantQueries(pool: LocomoPool, count: number, seed: number, exclude: Set<string> = new Set()): BenchQuery[] {
  const random = new Prng(mixSeed(seed, 0x9e71));
  const picker = new ZipfPicker(tenantCast(), 0.6);
  const out: BenchQuery[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 50) throw new Error(`could not make ${count} distinct queries (made ${out.length})`);
    const [a, b] = twoPeople(random, picker);
    const roll = random.float();
    const referenceMs = START_MS + 30 * 86_400_000 + random.int(SPAN_MS - 30 * 86_400_000);
    let text: string;
    let kind: BenchQuery['kind'];
    if (roll < 0.6) {
      kind = 'entity';
      text = fill(random.pick(pool.questions), { A: a, B: b });
    } else if (roll < 0.8) {
      kind = 'temporal';
      const question = fill(random.pick(pool.questions), { A: a, B: b }).replace(/^When\s+/i, 'What ').replace(/[?.!\s]+$/, '');
      const year = Math.max(new Date(START_MS).getUTCFullYear(), new Date(referenceMs).getUTCFullYear() - random.int(2));
      const when = random.chance(0.5) ? random.pick(PAST_TIMES) : `in ${random.pick(MONTHS)} ${year}`;
      text = `${question} ${when}?`;
    } else {
      kind = 'turn-words';
      const words = fill(random.pick(pool.sentences), { S: a, O: b }).split(/\s+/).filter(Boolean);
      const length = Math.min(words.length, random.range(3, 6));
      const from = random.int(words.length - length + 1);
      text = words.slice(from, from + length).join(' ');
    }
    if (text.trim().length === 0 || exclude.has(text)) continue;
    exclude.add(text);
    out.push({ id: `q-${String(out.length + 1).padStart(6, '0')}`, kind, tenant: TENANT_ID, text, referenceTime: new Date(referenceMs).toISOString() });
  }
  return out;
}
