import { extractorContract } from '../testing/index.js';
import { NlpExtractor } from './nlp.extractor.js';

extractorContract('NlpExtractor', () => Promise.resolve({ extractor: new NlpExtractor(), teardown: () => Promise.resolve() }));
