import type Database from 'better-sqlite3';
import type { StoredEvent } from '@memfabric/events';
import { collectDecisions, MEMORY_UNITS_PROJECTION, type UnitDecision, type UnitDecisionSource, type UnitTransition } from '@memfabric/projections';
import { memoryUnitDecisionsTable } from './memory-units.table.js';

interface DecisionRow {
  event_id: string;
  tenantid: string;
  transitions: string;
  rejected: string | null;
}

/**
 * The memory-unit decisions recorded by the SQLite memory-unit projection
 * (`memory_unit_decisions_g<N>` in the same file), for the other read models. Looks in the
 * active generation, then in a generation being built (decisions are deterministic, so any
 * generation that applied an event has the same one). `decisionsSync` runs inside the caller's
 * transaction (the embedded runtime's `apply`), so it sees a state consistent with the
 * checkpoint it commits.
 */
export class SqliteUnitDecisions implements UnitDecisionSource {
  private generationsStatement: Database.Statement<[string], { generation: number }> | undefined;
  private readonly lookups = new Map<number, Database.Statement<[string], DecisionRow>>();

  /** @param db - the connection the memory-unit projection writes through (or one to the same file). */
  constructor(private readonly db: Database.Database) {}

  /** Generations to look in, active first (prepared on first use: the runtime creates the registry). */
  private get generations(): Database.Statement<[string], { generation: number }> {
    this.generationsStatement ??= this.db.prepare(
      `SELECT generation FROM projection_generations WHERE projection = ? AND state IN ('active', 'building')
       ORDER BY CASE state WHEN 'active' THEN 0 ELSE 1 END, generation DESC`,
    );
    return this.generationsStatement;
  }

  /**
   * The decisions of `events` (memory-unit types only), keyed by event id.
   * @throws UndecidedEventsError (retriable) when one of them has not been applied yet.
   */
  decisionsSync(events: readonly StoredEvent[]): Map<string, UnitDecision> {
    const lookups = this.generations.all(MEMORY_UNITS_PROJECTION).flatMap(({ generation }) => {
      const statement = this.lookup(generation);
      return statement ? [statement] : [];
    });
    return collectDecisions(events, (eventId) => {
      for (const statement of lookups) {
        const row = statement.get(eventId);
        if (row) return toDecision(row);
      }
      return undefined;
    });
  }

  decisions(events: readonly StoredEvent[]): Promise<ReadonlyMap<string, UnitDecision>> {
    try {
      return Promise.resolve(this.decisionsSync(events));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The lookup statement of a generation, or undefined while its table does not exist yet. */
  private lookup(generation: number): Database.Statement<[string], DecisionRow> | undefined {
    let statement = this.lookups.get(generation);
    if (!statement) {
      try {
        statement = this.db.prepare(`SELECT * FROM ${memoryUnitDecisionsTable(generation)} WHERE event_id = ?`);
      } catch (error) {
        if (/no such table/.test((error as Error).message)) return undefined;
        throw error;
      }
      this.lookups.set(generation, statement);
    }
    return statement;
  }
}

function toDecision(row: DecisionRow): UnitDecision {
  return {
    eventId: row.event_id,
    tenantid: row.tenantid,
    transitions: JSON.parse(row.transitions) as UnitTransition[],
    ...(row.rejected === null ? {} : { rejected: row.rejected }),
  };
}
