import { ValidationError, type FieldProblem } from '@memfabric/errors';
import { sessionTurns, type CorpusPlan, type TenantPlan } from './corpus.js';
import { mixSeed, Prng, WeightedTable, ZipfPicker } from './prng.js';
import { ACTIVITIES, MONTHS, PLACES, RELATIVE_TIMES, STOPWORDS, TOPICS } from './vocabulary.js';

/**
 * What a benchmark query is made of:
 * - `turn-words`: 2..5 content words of an existing turn of the tenant, plain or inside a question
 *   (the lexical and dense channels find the turn);
 * - `entity`: names of the tenant's people with places, activities or topics (the graph channel);
 * - `temporal`: a time expression ("last May", "in March 2023", "two weeks ago") resolved
 *   against {@link BenchQuery.referenceTime} (the temporal channel).
 */
export type QueryKind = 'turn-words' | 'entity' | 'temporal';

/** Every {@link QueryKind}. */
export const QUERY_KINDS: readonly QueryKind[] = ['turn-words', 'entity', 'temporal'];

/** One query of a benchmark set, scoped to one tenant. */
export interface BenchQuery {
  /** `q-<n>`, 1-based, zero-padded to 6 digits. */
  readonly id: string;
  readonly kind: QueryKind;
  readonly tenant: string;
  readonly text: string;
  /**
   * Reference time for the query's relative time expressions (RFC 3339): one day after the
   * start of the tenant's last session, so "last May" lands inside the tenant's history.
   */
  readonly referenceTime: string;
  /** `turn-words` only: the turn whose words the query reuses. */
  readonly source?: { readonly stream: string; readonly ref: string };
}

/** Options of {@link generateQueries}. */
export interface QuerySetOptions {
  /** Number of queries, 1..1,000,000. */
  readonly count: number;
  /** Seed (unsigned 32-bit); default 1. Use different seeds for sets that must not share queries. */
  readonly seed?: number;
  /** Relative frequency of each kind; default turn-words 0.5, entity 0.3, temporal 0.2. */
  readonly mix?: Partial<Record<QueryKind, number>>;
  /**
   * Query texts not to produce again, for example those of an earlier set: a fresh set then never
   * hits a query-embedding cache (keyed by text) warmed by the earlier one. Generated texts are
   * added to it.
   */
  readonly exclude?: Set<string>;
}

const DEFAULT_MIX: Record<QueryKind, number> = { 'turn-words': 0.5, entity: 0.3, temporal: 0.2 };
const DAY_MS = 86_400_000;
const places = new ZipfPicker(PLACES);
const activities = new ZipfPicker(ACTIVITIES);
const topics = new ZipfPicker(TOPICS);
const relativeTimes = RELATIVE_TIMES.filter((t) => !/^(next|tomorrow|this|today)/.test(t));

function checkQueryOptions(options: QuerySetOptions): { count: number; seed: number; mix: Record<QueryKind, number> } {
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > 1_000_000) {
    problems.push({ pointer: '/count', detail: 'must be an integer from 1 to 1000000' });
  }
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) problems.push({ pointer: '/seed', detail: 'must be an integer from 0 to 4294967295' });
  const mix = { ...DEFAULT_MIX, ...options.mix };
  for (const kind of QUERY_KINDS) {
    if (!Number.isFinite(mix[kind]) || mix[kind] < 0) problems.push({ pointer: `/mix/${kind}`, detail: 'must be a finite number >= 0' });
  }
  if (QUERY_KINDS.every((k) => !(mix[k] > 0))) problems.push({ pointer: '/mix', detail: 'needs at least one kind with a positive weight' });
  if (problems.length > 0) throw new ValidationError(`invalid query set options: ${problems[0]!.pointer} ${problems[0]!.detail}`, problems);
  return { count: options.count, seed, mix };
}

/** Content words of a turn: punctuation stripped, stopwords and words under 3 letters left out. */
export function contentWords(text: string): string[] {
  return text
    .split(/\s+/)
    .map((w) => w.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ''))
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w.toLowerCase()));
}

function turnWordsQuery(random: Prng, plan: CorpusPlan, tenant: TenantPlan): { text: string; source: { stream: string; ref: string } } | undefined {
  const session = random.pick(tenant.sessions);
  const turns = sessionTurns(plan, tenant, session);
  const turn = random.pick(turns);
  const words = contentWords(turn.text);
  if (words.length < 2) return undefined;
  const n = Math.min(words.length, random.range(2, 5));
  const start = random.int(words.length - n + 1);
  const picked = words.slice(start, start + n).join(' ');
  const forms = [
    () => picked,
    () => `What did ${turn.speaker} say about ${picked}?`,
    () => `${picked}?`,
    () => `Remind me about ${picked}`,
    () => `When did we talk about ${picked}?`,
  ];
  return { text: random.pick(forms)(), source: { stream: `session_${session.n}`, ref: turn.ref } };
}

function entityQuery(random: Prng, tenant: TenantPlan): string {
  const name = random.pick(tenant.cast);
  const other = random.pick(tenant.cast.filter((n) => n !== name));
  const forms = [
    () => `What does ${name} think about ${activities.pick(random)}?`,
    () => `Who did ${name} meet at ${places.pick(random)}?`,
    () => `What do I know about ${name}?`,
    () => `${name} and ${other}`,
    () => `What did ${name} tell ${other} about ${topics.pick(random)}?`,
    () => `Has ${name} ever been to ${places.pick(random)}?`,
    () => `What is ${name}'s favorite hobby?`,
    () => `Did ${name} go ${activities.pick(random)} with ${other}?`,
  ];
  return random.pick(forms)();
}

function temporalQuery(random: Prng, tenant: TenantPlan): string {
  const name = random.pick(tenant.cast);
  const session = random.pick(tenant.sessions);
  const date = new Date(session.start);
  const month = MONTHS[date.getUTCMonth()]!;
  const forms = [
    () => `What did ${name} do last ${month}?`,
    () => `What happened with ${name} in ${month} ${date.getUTCFullYear()}?`,
    () => `What did ${name} and I talk about ${random.pick(relativeTimes)}?`,
    () => `Where did ${name} go last summer?`,
    () => `What did ${name} say on ${date.getUTCDate()} ${month}?`,
    () => `What was ${name} up to in ${month}?`,
  ];
  return random.pick(forms)();
}

/**
 * A set of queries over a corpus: each scoped to a tenant drawn uniformly, of a kind drawn by
 * `mix`. Texts are unique within the set and against `exclude` (up to 50 draws per query;
 * beyond that a repeat is accepted, which only happens with tiny corpora), so no query is
 * answered from an embedding cache. Deterministic in the plan and the options.
 * @throws ValidationError naming every bad option, or when the corpus cannot give queries of
 *   the requested kinds (for example only `turn-words` over turns of fewer than two content words).
 */
export function generateQueries(plan: CorpusPlan, options: QuerySetOptions): BenchQuery[] {
  const o = checkQueryOptions(options);
  const random = new Prng(mixSeed(plan.seed, o.seed, 0x9e7e));
  const kinds = new WeightedTable(QUERY_KINDS.map((k) => o.mix[k]));
  const seen = options.exclude ?? new Set<string>();
  const out: BenchQuery[] = [];
  let failures = 0;
  while (out.length < o.count) {
    const tenant = random.pick(plan.tenants);
    const last = tenant.sessions[tenant.sessions.length - 1]!;
    const referenceTime = new Date(last.start + DAY_MS).toISOString();
    let query: Omit<BenchQuery, 'id'> | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      const kind = QUERY_KINDS[kinds.sample(random)]!;
      let candidate: Omit<BenchQuery, 'id'> | undefined;
      if (kind === 'turn-words') {
        const q = turnWordsQuery(random, plan, tenant);
        if (q) candidate = { kind, tenant: tenant.id, text: q.text, referenceTime, source: q.source };
      } else {
        const text = kind === 'entity' ? entityQuery(random, tenant) : temporalQuery(random, tenant);
        candidate = { kind, tenant: tenant.id, text, referenceTime };
      }
      if (!candidate) continue;
      query = candidate;
      if (!seen.has(candidate.text)) break;
    }
    if (!query) {
      failures += 1;
      if (failures > 1000) {
        throw new ValidationError('the corpus gives no queries of the requested kinds', [{ pointer: '/mix', detail: 'allow entity or temporal queries' }]);
      }
      continue;
    }
    seen.add(query.text);
    out.push({ id: `q-${String(out.length + 1).padStart(6, '0')}`, ...query });
  }
  return out;
}
