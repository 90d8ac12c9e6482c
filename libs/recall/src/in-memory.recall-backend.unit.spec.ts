import { NlpExtractor } from '@memfabric/extraction/nlp';
import { describeRecallBackendContract, InMemoryRecallBackend } from './testing/index.js';

describeRecallBackendContract('in-memory doubles (ExactVectorIndex, InMemoryLexicalIndex, InMemoryGraphStore, InMemoryMemoryUnits)', () => {
  const backend = new InMemoryRecallBackend({ extractor: new NlpExtractor() });
  return Promise.resolve({
    backend,
    extracts: true,
    append: async (events) => {
      const stored = await backend.append(events);
      return stored.filter((e) => e.type !== 'facts.extracted');
    },
    close: () => Promise.resolve(),
  });
});
