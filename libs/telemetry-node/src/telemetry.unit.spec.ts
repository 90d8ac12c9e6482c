import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ATTR, formatTraceparent, LABEL, METRIC, parseTraceparent, traceIdOf } from '@memfabric/telemetry';
import { countAppended, lagSamplesOf, metricsText, observeRecall, processSpanParent, registerLagSource, tracingRequested } from './index.js';

const operations = readFileSync(fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)), 'utf8');

describe('the telemetry catalog', () => {
  it('documents every span attribute, series and label in docs/operations.md', () => {
    for (const name of [...Object.values(ATTR), ...Object.values(METRIC)]) expect(operations, name).toContain(`\`${name}\``);
    for (const label of Object.values(LABEL)) expect(operations, label).toMatch(new RegExp(`\`${label}\``));
  });

  it('names every series memfabric_*, and no attribute outside the conventions or memfabric.*', () => {
    for (const name of Object.values(METRIC)) expect(name).toMatch(/^memfabric_[a-z_]+$/);
    for (const name of Object.values(ATTR)) expect(name).toMatch(/^(messaging|http|error|gen_ai|memfabric)\./);
  });
});

describe('W3C traceparent', () => {
  it('parses and formats version 00, refusing malformed and all-zero ids', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const parsed = parseTraceparent(value, 'vendor=abc');
    expect(parsed).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    expect(parsed?.traceState?.get('vendor')).toBe('abc');
    expect(formatTraceparent(parsed!)).toBe(value);
    for (const bad of ['', 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01']) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
    expect(traceIdOf(undefined)).toBeUndefined();
  });

  it('parents a process span on the one trace of its batch, and links every producer context', () => {
    const a = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const b = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const one = processSpanParent([{ traceparent: a }, {}, { traceparent: a }]);
    expect(one.links.map((l) => l.context.spanId)).toEqual(['00f067aa0ba902b7']);
    expect(trace.getSpanContext(one.parent)?.spanId).toBe('00f067aa0ba902b7');
    const two = processSpanParent([{ traceparent: a }, { traceparent: b }]);
    expect(two.links).toHaveLength(2);
    expect(trace.getSpanContext(two.parent)).toBeUndefined();
    expect(processSpanParent([{}]).links).toEqual([]);
  });
});

describe('tracingRequested', () => {
  it('is on for an OTLP endpoint or a named exporter, off for none, nothing or OTEL_SDK_DISABLED', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
  });
});

describe('metrics', () => {
  it('computes lag per projection and partition from checkpoints and the log end', () => {
    expect(lagSamplesOf({ 0: 10, 1: 4 }, [{ name: 'vectors', checkpoint: { 0: 7 } }, { name: 'graph', checkpoint: { 0: 10, 1: 4 } }])).toEqual([
      { projection: 'vectors', partition: 0, lag: 3 },
      { projection: 'vectors', partition: 1, lag: 4 },
      { projection: 'graph', partition: 0, lag: 0 },
      { projection: 'graph', partition: 1, lag: 0 },
    ]);
  });

  it('renders the catalog series with their labels; lag sources are asked at scrape time and a failing one is left out', async () => {
    countAppended('interaction.recorded', 2);
    observeRecall('balanced', { totalMs: 12, channels: { vector: 5, lexical: 3 } });
    let lag = 5;
    const unregister = registerLagSource(() => Promise.resolve([{ projection: 'vectors', partition: 2, lag }]));
    const failing = registerLagSource(() => Promise.reject(new Error('not open yet')));
    let text = await metricsText();
    expect(text).toMatch(/^memfabric_events_appended_total\{type="interaction.recorded"\} 2$/m);
    expect(text).toMatch(/^memfabric_consumer_lag\{projection="vectors",partition="2"\} 5$/m);
    expect(text).toMatch(/^memfabric_recall_duration_seconds_count\{preset="balanced"\} 1$/m);
    expect(text).toMatch(/^memfabric_recall_channel_duration_seconds_sum\{channel="vector",preset="balanced"\} 0.005$/m);
    lag = 0;
    text = await metricsText();
    expect(text).toMatch(/^memfabric_consumer_lag\{projection="vectors",partition="2"\} 0$/m);
    unregister();
    failing();
    text = await metricsText();
    expect(text).not.toMatch(/^memfabric_consumer_lag\{/m);
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
