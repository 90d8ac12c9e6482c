import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LABEL, METRIC } from '@memfabric/telemetry';

/**
 * The Prometheus registry of a memfabric process (prom-client): the `memfabric_*` series of the
 * catalog (`METRIC`, `LABEL`) plus prom-client's default process metrics (`process_*`,
 * `nodejs_*`). Label values are bounded sets (event types, projection and channel names,
 * presets, partitions); no tenant id, principal or content ever becomes a label.
 */
export const metricsRegistry = new Registry();

/** Latency buckets of applies and recalls, in seconds (1 ms to 10 s). */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One consumer-lag sample: events between a projection's committed checkpoint and the log end on one partition. */
export interface LagSample {
  readonly projection: string;
  readonly partition: number;
  /** Events behind, ≥ 0. */
  readonly lag: number;
}

/** Reports the lag of the projections a component runs; asked at every scrape. May throw (the component is not open yet): its samples are then left out. */
export type LagSource = () => Promise<readonly LagSample[]>;

const lagSources = new Set<LagSource>();

/**
 * Lag samples of projections from their committed checkpoints and the log end (both
 * `{ partition: next offset }`): per projection and per partition of the end, the events
 * between the two (never negative).
 */
export function lagSamplesOf(end: Readonly<Record<number, number>>, projections: readonly { readonly name: string; readonly checkpoint: Readonly<Record<number, number>> }[]): LagSample[] {
  return projections.flatMap((p) =>
    Object.entries(end).map(([partition, next]) => ({ projection: p.name, partition: Number(partition), lag: Math.max(0, next - (p.checkpoint[Number(partition)] ?? 0)) })),
  );
}

const appended = new Counter({
  name: METRIC.eventsAppended,
  help: 'Events appended to the event log (duplicates of an idempotent retry not counted), by CloudEvents type.',
  labelNames: [LABEL.type],
  registers: [metricsRegistry],
});

new Gauge({
  name: METRIC.consumerLag,
  help: "Events between a projection's committed checkpoint and the log end, per partition (0 = caught up).",
  labelNames: [LABEL.projection, LABEL.partition],
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const source of lagSources) {
      let samples: readonly LagSample[];
      try {
        samples = await source();
      } catch {
        continue;
      }
      for (const s of samples) this.set({ [LABEL.projection]: s.projection, [LABEL.partition]: String(s.partition) }, s.lag);
    }
  },
});

const applySeconds = new Histogram({
  name: METRIC.projectionApplySeconds,
  help: "Time of one projection handler's apply call (one batch or segment), in seconds.",
  labelNames: [LABEL.projection, LABEL.runtime],
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const deadLetters = new Counter({
  name: METRIC.deadLetters,
  help: 'Events a projection dead-lettered (its handler refused them; the checkpoint moved on).',
  labelNames: [LABEL.projection],
  registers: [metricsRegistry],
});

const recallSeconds = new Histogram({
  name: METRIC.recallSeconds,
  help: 'Time of one recall (validation, consistency wait, every channel, fusion), in seconds, by preset.',
  labelNames: [LABEL.preset],
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const recallChannelSeconds = new Histogram({
  name: METRIC.recallChannelSeconds,
  help: "Time one retrieval channel spent in a recall (rank and refine), in seconds, by channel and preset.",
  labelNames: [LABEL.channel, LABEL.preset],
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

const erasures = new Counter({
  name: METRIC.erasures,
  help: "Erasures of a data subject (crypto-shredding: the subject's content key destroyed).",
  registers: [metricsRegistry],
});

const rollbacks = new Counter({
  name: METRIC.rollbacks,
  help: 'Rollbacks applied (units hidden from recall) and reverted.',
  labelNames: [LABEL.action],
  registers: [metricsRegistry],
});

/** Counts appended events of one CloudEvents `type`. */
export function countAppended(type: string, events = 1): void {
  if (events > 0) appended.inc({ [LABEL.type]: type }, events);
}

/** Records one apply call of `projection` on `runtime`, in seconds. */
export function observeApply(projection: string, runtime: 'sqlite' | 'async', seconds: number): void {
  applySeconds.observe({ [LABEL.projection]: projection, [LABEL.runtime]: runtime }, seconds);
}

/** Counts dead-lettered events of `projection`. */
export function countDeadLetters(projection: string, events: number): void {
  if (events > 0) deadLetters.inc({ [LABEL.projection]: projection }, events);
}

/**
 * Records one recall: its total time and each channel's, in milliseconds as the recall
 * response's `timings` reports them.
 */
export function observeRecall(preset: string, timings: { readonly totalMs: number; readonly channels: Readonly<Record<string, number | undefined>> }): void {
  recallSeconds.observe({ [LABEL.preset]: preset }, timings.totalMs / 1000);
  for (const [channel, ms] of Object.entries(timings.channels)) {
    if (ms !== undefined) recallChannelSeconds.observe({ [LABEL.channel]: channel, [LABEL.preset]: preset }, ms / 1000);
  }
}

/** Counts one erasure. */
export function countErasure(): void {
  erasures.inc();
}

/** Counts one rollback `applied` or `reverted`. */
export function countRollback(action: 'applied' | 'reverted'): void {
  rollbacks.inc({ [LABEL.action]: action });
}

/**
 * Registers a source of consumer-lag samples, asked at every scrape.
 * @returns a function that unregisters it (call it when the component closes).
 */
export function registerLagSource(source: LagSource): () => void {
  lagSources.add(source);
  return () => lagSources.delete(source);
}

let processMetrics = false;

/** Adds prom-client's default process metrics to the registry (once per process). */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

/** Content type of {@link metricsText}: the Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/** The registry in the Prometheus text exposition format (asks every lag source). */
export function metricsText(): Promise<string> {
  collectProcessMetrics();
  return metricsRegistry.metrics();
}
