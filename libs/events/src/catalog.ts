import type {
  FactsExtracted,
  InteractionRecorded,
  MemoryAsserted,
  MemoryCorrected,
  MemoryRetracted,
  RollbackApplied,
  RollbackReverted,
  SubjectErased,
  VersionTagged,
} from './generated/types.js';

/**
 * The event catalog: every event type the fabric knows, with the current schema version of
 * its `data`. Types are past tense and never change meaning; a new data shape gets a new
 * version and an upcaster from the old one (see `upcasting.ts`).
 */
export const CURRENT_VERSIONS = {
  'interaction.recorded': 2,
  'memory.asserted': 1,
  'memory.corrected': 1,
  'memory.retracted': 1,
  'facts.extracted': 1,
  'rollback.applied': 1,
  'rollback.reverted': 1,
  'subject.erased': 1,
  'version.tagged': 1,
} as const satisfies Record<string, number>;

/** One of the catalog's event types, e.g. `interaction.recorded`. */
export type EventType = keyof typeof CURRENT_VERSIONS;

/** The current `data` shape of each event type. */
export interface EventDataByType {
  'interaction.recorded': InteractionRecorded;
  'memory.asserted': MemoryAsserted;
  'memory.corrected': MemoryCorrected;
  'memory.retracted': MemoryRetracted;
  'facts.extracted': FactsExtracted;
  'rollback.applied': RollbackApplied;
  'rollback.reverted': RollbackReverted;
  'subject.erased': SubjectErased;
  'version.tagged': VersionTagged;
}

/** Every event type, in catalog order. */
export const EVENT_TYPES = Object.keys(CURRENT_VERSIONS) as readonly EventType[];

/** True when `value` names a catalog event type. */
export function isEventType(value: string): value is EventType {
  return Object.hasOwn(CURRENT_VERSIONS, value);
}

const URN_PREFIX = 'urn:memfabric:schema:';

/** The `dataschema` URN of a type's data at a version: `urn:memfabric:schema:<type>:v<N>`. */
export function dataschemaFor(type: EventType, version: number = CURRENT_VERSIONS[type]): string {
  return `${URN_PREFIX}${type}:v${version}`;
}

/**
 * Splits a `dataschema` URN into type and version.
 * @returns `undefined` when the URN is not a memfabric data schema URN.
 */
export function parseDataschema(urn: string): { type: string; version: number } | undefined {
  if (!urn.startsWith(URN_PREFIX)) return undefined;
  const match = /^([a-z]+\.[a-z]+):v([0-9]+)$/.exec(urn.slice(URN_PREFIX.length));
  if (!match?.[1] || !match[2]) return undefined;
  return { type: match[1], version: Number(match[2]) };
}
