import type { EmbeddedFabric } from '@memfabric/embedded';
import { GRAPH_PROJECTION, openGraphStore } from '@memfabric/read-models';
import type { AuditedFabric } from './audited-fabric.js';
import { SqliteCheckpointStore } from './sqlite.audit-store.js';

/**
 * The {@link AuditedFabric} of the embedded fabric, everything in its one SQLite file: the log
 * (one partition, so every tenant's partition is 0), its key vault (`subjectKeys` reads
 * `subjectKeysSync`), signed checkpoints in table `audit_checkpoints` (created on first use),
 * the memory units and the active graph generation's tables, chDB analytics, and
 * `purgeFiles` = `EmbeddedFabric.purgeFiles` (the WALs of the log and of the persistent
 * embedding cache checkpointed into their files and truncated to 0 bytes). Cheap: call it again after the fabric is reopened.
 * @param fabric - open; its owner closes it (the audit never does).
 */
export function embeddedAuditedFabric(fabric: EmbeddedFabric): AuditedFabric {
  const { log } = fabric;
  return {
    log,
    vault: {
      subjectKeys: (tenantid, datasubject) => settle(() => log.vault.subjectKeysSync(tenantid, datasubject)),
      destroy: (tenantid, datasubject) => log.vault.destroy(tenantid, datasubject),
    },
    memoryUnits: fabric.memoryUnits,
    analytics: fabric.analytics,
    checkpoints: new SqliteCheckpointStore(log.db),
    catchUp: (onProgress, only) => fabric.catchUp(onProgress, only),
    activeGraph: () =>
      settle(() => {
        const generation = fabric.runtime.activeGeneration(GRAPH_PROJECTION);
        return generation === undefined ? undefined : openGraphStore(log.db, generation);
      }),
    tenantPartition: () => Promise.resolve(0),
    purgeFiles: () => settle(() => fabric.purgeFiles()),
  };
}

/** The result of a synchronous call as a promise, which rejects (rather than throws) when the call throws. */
function settle<T>(call: () => T): Promise<T> {
  return new Promise((resolve) => resolve(call()));
}
