/** `extractor.name` of the offline NLP extractor (`NlpExtractor`, `LazyNlpExtractor`). */
export const NLP_EXTRACTOR_NAME = 'memfabric-nlp';
/**
 * `extractor.version` of the offline NLP extractor. Bumped whenever a rule change alters output,
 * so consumers can tell facts of different rule sets apart (and re-extract on purpose).
 */
export const NLP_EXTRACTOR_VERSION = '1.0.0';
