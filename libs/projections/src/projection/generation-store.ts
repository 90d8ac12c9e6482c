import { ConfigurationError } from '@memfabric/errors';
import type { GenerationInfo } from './runtime.js';

/** A generation to register: active (a projection's first) or building (a rebuild). */
export interface NewGeneration {
  readonly projection: string;
  readonly generation: number;
  readonly version: number;
  readonly state: 'active' | 'building';
  readonly group: string;
  /** RFC 3339 UTC. */
  readonly createdAt: string;
}

/**
 * The generation registry of a runtime (see `GenerationState` for the life cycle). The
 * embedded runtime keeps it in SQLite (`projection_generations`, inside its own transactions);
 * the external-store runtime goes through this port. Adapter: {@link InMemoryGenerationStore}
 * (one process; a shared store such as a table of the projector's database is for
 * multi-replica deployments). Adapters pass `generationStoreContract` in
 * `@memfabric/projections/testing`.
 */
export interface GenerationStore {
  /** Rows of a projection, oldest generation first. */
  list(projection: string): Promise<GenerationInfo[]>;

  /**
   * Registers a generation.
   * @throws ConfigurationError when the generation number is taken, or the projection already
   *   has a generation in the requested state (at most one active and one building).
   */
  create(generation: NewGeneration): Promise<GenerationInfo>;

  /**
   * Switches atomically: the building `generation` becomes active and the active one (if any)
   * retired, both at `at`.
   * @returns false (and changes nothing) when `generation` is not building, e.g. another
   *   caller switched it first.
   */
  activate(projection: string, generation: number, at: string): Promise<boolean>;

  /** Marks a building generation `abandoned` at `at` (a newer handler version replaced it); no-op otherwise. */
  abandon(projection: string, generation: number, at: string): Promise<void>;

  /** Records that a retired or abandoned generation's data was dropped at `at`. */
  markDropped(projection: string, generation: number, at: string): Promise<void>;
}

type Row = { -readonly [K in keyof GenerationInfo]: GenerationInfo[K] };

/** A {@link GenerationStore} in process memory. */
export class InMemoryGenerationStore implements GenerationStore {
  private readonly rows: Row[] = [];

  list(projection: string): Promise<GenerationInfo[]> {
    return Promise.resolve(
      this.rows
        .filter((r) => r.projection === projection)
        .sort((a, b) => a.generation - b.generation)
        .map((r) => ({ ...r })),
    );
  }

  create(generation: NewGeneration): Promise<GenerationInfo> {
    const mine = this.rows.filter((r) => r.projection === generation.projection);
    if (mine.some((r) => r.generation === generation.generation)) {
      return Promise.reject(new ConfigurationError(`generation ${generation.generation} of "${generation.projection}" already exists`));
    }
    if (mine.some((r) => r.state === generation.state)) {
      return Promise.reject(new ConfigurationError(`"${generation.projection}" already has a ${generation.state} generation`));
    }
    const row: Row = {
      ...generation,
      activatedAt: generation.state === 'active' ? generation.createdAt : null,
      retiredAt: null,
      droppedAt: null,
    };
    this.rows.push(row);
    return Promise.resolve({ ...row });
  }

  activate(projection: string, generation: number, at: string): Promise<boolean> {
    const target = this.find(projection, generation);
    if (target?.state !== 'building') return Promise.resolve(false);
    for (const r of this.rows) {
      if (r.projection === projection && r.state === 'active') {
        r.state = 'retired';
        r.retiredAt = at;
      }
    }
    target.state = 'active';
    target.activatedAt = at;
    return Promise.resolve(true);
  }

  abandon(projection: string, generation: number, at: string): Promise<void> {
    const target = this.find(projection, generation);
    if (target?.state === 'building') {
      target.state = 'abandoned';
      target.retiredAt = at;
    }
    return Promise.resolve();
  }

  markDropped(projection: string, generation: number, at: string): Promise<void> {
    const target = this.find(projection, generation);
    if (target && (target.state === 'retired' || target.state === 'abandoned') && target.droppedAt === null) target.droppedAt = at;
    return Promise.resolve();
  }

  private find(projection: string, generation: number): Row | undefined {
    return this.rows.find((r) => r.projection === projection && r.generation === generation);
  }
}
