export * from './port.js';
export * from './facts.js';
// The NLP extractor itself (compromise, wink-nlp) is `@memfabric/extraction/nlp`; this entry
// loads only chrono-node, so the recall engine's time expressions do not pull the NLP libraries in.
export { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION } from './nlp/identity.js';
export { LazyNlpExtractor } from './lazy-nlp.extractor.js';
export type { NlpExtractorOptions } from './nlp/nlp.extractor.js';
export { resolveTimeExpressions, type TimeExpression, type TimeGranularity } from './nlp/time-expressions.js';
export { SINGLE_VALUED_PREDICATES, canonicalPredicate, type PredicateParts } from './nlp/predicates.js';
export { canonicalPerson, canonicalProperName, collapseWhitespace, stripPossessive, titleCase } from './nlp/canonical.js';
