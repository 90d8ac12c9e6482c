import type { FactsExtracted } from '@memfabric/events';

/**
 * The extraction port: reads the text of one event and returns the data of a
 * `facts.extracted` event (schema `urn:memfabric:schema:facts.extracted:v1`). The output is
 * recorded in the log, so a replay of the temporal-graph projection never re-runs extraction.
 *
 * Implementations: {@link NlpExtractor} (offline, deterministic rules over compromise, wink-nlp
 * and chrono-node); an LLM-backed extractor can replace it behind the same interface. Every
 * implementation runs the shared contract suite in `@memfabric/extraction/testing`.
 */
export interface Extractor {
  /** Stable name recorded in `extractor.name` (at most 128 characters). */
  readonly name: string;
  /** Version recorded in `extractor.version` (at most 64 characters); bump it when output changes. */
  readonly version: string;
  /**
   * Extracts entities, resolved time expressions and relations from one event's text.
   *
   * @returns data that validates against `facts.extracted` v1: `sourceevent` = `input.eventId`,
   *   `extractor` = `{ name, version }`, arrays within the schema's `maxItems`.
   * @throws ValidationError when `eventId` is not a UUID or `time` is not an RFC 3339 timestamp.
   *   Odd text (empty, emoji, control characters, very long) never makes it throw.
   */
  extract(input: ExtractionInput): Promise<FactsExtracted>;
  /**
   * Loads now what the first {@link extract} would load (the NLP libraries, worker threads) and
   * resolves once a call would run without that delay; optional. A server awaits it before it
   * reports ready, so the first memory it acknowledges is findable within the recall's
   * consistency timeout. Calling it again, or after an `extract`, costs nothing.
   * @throws as {@link extract} when loading fails (a ConfigurationError for a bad option).
   */
  warm?(): Promise<void>;
  /**
   * Releases what the extractor holds (worker threads, a connection); optional. Whoever builds
   * the extractor closes it once no call is pending.
   */
  close?(): Promise<void>;
}

/** What an extractor reads: one event's text and the context needed to resolve it. */
export interface ExtractionInput {
  /** Id of the source event (UUID), recorded as `sourceevent`. */
  readonly eventId: string;
  /** The text to read (an `interaction.recorded` content). */
  readonly text: string;
  /**
   * World time of the event, RFC 3339 (for example `2023-05-08T13:56:00Z`): the reference
   * instant against which relative expressions ("yesterday", "last week") are resolved.
   */
  readonly time: string;
  /** Display name of who wrote the text; first-person pronouns resolve to it. */
  readonly speaker?: string;
  /**
   * Names known to be entities in this context (for example the conversation's speakers).
   * They are recognised as people wherever they occur, and second-person pronouns resolve to
   * the one known entity other than the speaker when there is exactly one.
   */
  readonly knownEntities?: readonly string[];
}

/** One entity mention of a `facts.extracted` event. */
export type ExtractedEntity = FactsExtracted['entities'][number];
/** The entity types of the schema. */
export type EntityType = ExtractedEntity['type'];
/** One resolved time expression of a `facts.extracted` event. */
export type ExtractedTime = FactsExtracted['times'][number];
/** One relation (subject, predicate, object) of a `facts.extracted` event. */
export type ExtractedRelation = FactsExtracted['relations'][number];

/** The relation every entity of a turn gets from its speaker: `speaker mentions entity`. */
export const MENTIONS = 'mentions';
/** The unordered relation between two entities of the same turn. */
export const CO_OCCURS_WITH = 'co_occurs_with';
