import { CURRENT_VERSIONS, dataschemaFor, isEventType, parseDataschema } from './catalog.js';
import type { InteractionRecorded, InteractionRecordedV1 } from './generated/types.js';

/**
 * Turns the `data` of one schema version of a type into the next version's shape.
 * Upcasters are pure and run on read, so stored events keep the shape they were written in
 * and the wire `type` never changes meaning.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/** interaction.recorded v1 (a chat message: `text`) -> v2 (`kind` + `content`). */
export const interactionRecordedV1: Upcaster = {
  type: 'interaction.recorded',
  fromVersion: 1,
  upcast(data) {
    const v1 = data as unknown as InteractionRecordedV1;
    const v2: InteractionRecorded = { kind: 'message', role: v1.role, content: v1.text };
    if (v1.speaker !== undefined) v2.speaker = v1.speaker;
    return v2 as unknown as Record<string, unknown>;
  },
};

/** The upcasters shipped with the catalog. */
export const DEFAULT_UPCASTERS: readonly Upcaster[] = [interactionRecordedV1];

/** Result of upcasting: the data in the current shape and the schema it now conforms to. */
export interface Upcast {
  readonly dataschema: string;
  readonly data: Record<string, unknown>;
}

/**
 * A chain of upcasters by type and source version.
 * @throws Error at construction when two upcasters claim the same type and version.
 */
export class UpcasterChain {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = DEFAULT_UPCASTERS) {
    for (const u of upcasters) {
      const key = `${u.type}@${u.fromVersion}`;
      if (this.byKey.has(key)) throw new Error(`two upcasters for ${key}`);
      this.byKey.set(key, u);
    }
  }

  /**
   * Brings `data` written under `dataschema` to the current version of its type.
   * Unknown types and schemas are returned unchanged.
   * @throws Error when a version between the stored and the current one has no upcaster.
   */
  upcast(dataschema: string, data: Record<string, unknown>): Upcast {
    const parsed = parseDataschema(dataschema);
    if (!parsed || !isEventType(parsed.type)) return { dataschema, data };
    const target = CURRENT_VERSIONS[parsed.type];
    let version = parsed.version;
    let current = data;
    while (version < target) {
      const step = this.byKey.get(`${parsed.type}@${version}`);
      if (!step) throw new Error(`no upcaster from ${parsed.type} v${version} to v${version + 1}`);
      current = step.upcast(current);
      version += 1;
    }
    return { dataschema: dataschemaFor(parsed.type, version), data: current };
  }
}
