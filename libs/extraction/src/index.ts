export * from './port.js';
export * from './facts.js';
export {
  NlpExtractor,
  NLP_EXTRACTOR_NAME,
  NLP_EXTRACTOR_VERSION,
  DEFAULT_MAX_TEXT_LENGTH,
  truncateText,
  type NlpExtractorOptions,
} from './nlp/nlp.extractor.js';
export { resolveTimeExpressions, type TimeExpression, type TimeGranularity } from './nlp/time-expressions.js';
export { SINGLE_VALUED_PREDICATES, canonicalPredicate, type PredicateParts } from './nlp/predicates.js';
export { canonicalPerson, canonicalProperName, collapseWhitespace, stripPossessive, titleCase } from './nlp/canonical.js';
