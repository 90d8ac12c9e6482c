import type { FactsExtracted } from '@memfabric/events';
import { NLP_EXTRACTOR_NAME, NLP_EXTRACTOR_VERSION } from './nlp/identity.js';
import type { NlpExtractor, NlpExtractorOptions } from './nlp/nlp.extractor.js';
import type { ExtractionInput, Extractor } from './port.js';

/**
 * The offline NLP extractor, loaded on its first `extract`: the NLP libraries (compromise alone
 * takes about 1.5 s to import on a 2 vCPU machine) load only in processes that extract, not in
 * every process that opens a fabric. Same name, version and output as `NlpExtractor` (from
 * `@memfabric/extraction/nlp`), so facts recorded by either are interchangeable.
 */
export class LazyNlpExtractor implements Extractor {
  readonly name = NLP_EXTRACTOR_NAME;
  readonly version = NLP_EXTRACTOR_VERSION;
  private loaded: Promise<NlpExtractor> | undefined;

  /** @param options - as for `NlpExtractor`; checked on the first `extract` (a ConfigurationError then). */
  constructor(private readonly options: NlpExtractorOptions = {}) {}

  /** See {@link Extractor.extract}. */
  async extract(input: ExtractionInput): Promise<FactsExtracted> {
    return (await this.load()).extract(input);
  }

  /** See {@link Extractor.warm}: imports the NLP libraries in this thread (about 1.5 s of CPU). */
  async warm(): Promise<void> {
    await this.load();
  }

  private load(): Promise<NlpExtractor> {
    this.loaded ??= import('./nlp/nlp.extractor.js').then((m) => new m.NlpExtractor(this.options));
    return this.loaded;
  }
}
