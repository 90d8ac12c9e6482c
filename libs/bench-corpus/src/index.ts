export { mixSeed, Prng, WeightedTable, ZipfPicker, zipfTable } from './prng.js';
export { LOCOMO_SESSION_TURNS, LOCOMO_TURN_WORDS, sampleSessionTurns, sampleTurnWords } from './locomo-lengths.js';
export * from './vocabulary.js';
export { composeSentence, composeTurn, type TurnContext } from './sentences.js';
export {
  CORPUS_SOURCE,
  corpusEvents,
  planCorpus,
  sessionTurns,
  turnEvent,
  type CorpusOptions,
  type CorpusPlan,
  type CorpusTurn,
  type SessionPlan,
  type TenantPlan,
} from './corpus.js';
export { contentWords, generateQueries, QUERY_KINDS, type BenchQuery, type QueryKind, type QuerySetOptions } from './queries.js';
