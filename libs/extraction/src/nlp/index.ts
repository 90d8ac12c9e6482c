export {
  NlpExtractor,
  NLP_EXTRACTOR_NAME,
  NLP_EXTRACTOR_VERSION,
  DEFAULT_MAX_TEXT_LENGTH,
  truncateText,
  type NlpExtractorOptions,
} from './nlp.extractor.js';
