/**
 * Task handler of the worker threads of `WorkerPoolExtractor` (piscina imports this module in
 * each thread): extracts one {@link ExtractionInput} with an `NlpExtractor` built once per thread
 * from the pool's `workerData` (`NlpExtractorOptions`), and answers `{ facts }`, or `{ error }`
 * (`describeError`: structured clone alone would drop the error's `code` and `problems`).
 * The named task `warm` loads the extractor and runs one extraction, so the thread's first
 * real task pays neither the NLP import (about 1.5 s of CPU) nor its cold code paths.
 */
import { describeError, type WorkerError } from '@memfabric/errors';
import type { FactsExtracted } from '@memfabric/events';
import { workerData } from 'piscina';
import type { ExtractionInput } from '@memfabric/extraction';
import { NlpExtractor, type NlpExtractorOptions } from '@memfabric/extraction/nlp';

/** What one task answers. */
export type ExtractionReply = { readonly facts: FactsExtracted } | { readonly error: WorkerError };

/** What the task `warm` answers: nothing, or the error building the extractor raised. */
export type WarmReply = { readonly ok: true } | { readonly error: WorkerError };

/** The sentence the task `warm` extracts: a person, a place, a relative time. */
const WARM_INPUT: ExtractionInput = {
  eventId: '01890000-0000-7000-8000-000000000000',
  text: 'Yesterday Ana told me she moved to Porto last May.',
  time: '2024-03-05T09:00:00Z',
  speaker: 'Maya',
};

let extractor: NlpExtractor | undefined;

function threadExtractor(): NlpExtractor {
  extractor ??= new NlpExtractor((workerData ?? {}) as NlpExtractorOptions);
  return extractor;
}

/** Extracts `input` in this thread. Never rejects: a failure is the `{ error }` reply. */
export default function extractInWorker(input: ExtractionInput): ExtractionReply {
  try {
    return { facts: threadExtractor().extractSync(input) };
  } catch (error) {
    return { error: describeError(error) };
  }
}

/** The task `warm`: builds this thread's extractor and extracts {@link WARM_INPUT} once. Never rejects. */
export function warm(): WarmReply {
  try {
    threadExtractor().extractSync(WARM_INPUT);
    return { ok: true };
  } catch (error) {
    return { error: describeError(error) };
  }
}
