import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestLogger } from '@memfabric/ingest';
import { METRIC } from '@memfabric/telemetry';
import type { RecallResponse } from '@memfabric/recall';
import { startFabric, type RunningFabric } from './fabric.js';

const tenant = 'fabric-e2e';
const turns = [
  { streamid: 'session-1', actor: 'caroline', content: 'Caroline went to the LGBTQ support group in Lisbon' },
  { streamid: 'session-1', actor: 'melanie', content: 'Melanie painted a sunrise over Lake Tahoe' },
].map((t) => ({
  source: 'urn:memfabric:test',
  type: 'interaction.recorded',
  time: '2023-05-08T13:56:00.000Z',
  tenantid: tenant,
  streamid: t.streamid,
  actor: t.actor,
  data: { kind: 'message', role: 'user', content: t.content, speaker: t.actor[0]!.toUpperCase() + t.actor.slice(1) },
}));

interface AppendResponse {
  results: { id: string; offset: number }[];
  consistencyToken: string;
}

describe('the all-in-one fabric on one port', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'memfabric-fabric-'));
  const lines: string[] = [];
  let running: RunningFabric;

  beforeAll(async () => {
    running = await startFabric(
      { MEMFABRIC_DATA_DIR: dir, MEMFABRIC_INGEST_PORT: '0', MEMFABRIC_EMBEDDER: 'hash' },
      { logger: createIngestLogger('info', { write: (line: string) => void lines.push(line) }) },
    );
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (route: string, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}) =>
    fetch(`${running.url}${route}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: JSON.stringify(body) });

  it('listens on an ephemeral loopback port and logs it', () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.some((l) => l.includes('memfabric embedded fabric listening'))).toBe(true);
    expect(running.fabric.projections).toEqual(expect.arrayContaining(['memory-units', 'vectors', 'extraction', 'graph']));
  });

  it('POST /v1/events, then POST /v1/recall with the returned consistency token finds the event; the audit history answers on the same port', async () => {
    const appended = await post('/v1/events', turns, 'application/cloudevents-batch+json');
    expect(appended.status).toBe(201);
    const { results, consistencyToken } = (await appended.json()) as AppendResponse;
    expect(consistencyToken).toMatch(/^mf1\./);
    const id = results[0]!.id;

    const recalled = await post(
      '/v1/recall',
      { query: 'When did Caroline go to the LGBTQ support group?', scope: { tenant }, k: 5, consistencyToken, consistencyTimeoutMs: 20_000 },
      'application/json',
      { 'x-memfabric-caller': 'agent:e2e' },
    );
    expect(recalled.status).toBe(200);
    const response = (await recalled.json()) as RecallResponse;
    expect(response.consistency).toMatchObject({ requested: true, reached: true, behind: [] });
    expect(response.hits[0]).toMatchObject({ unitId: id, tenant, text: turns[0]!.data.content });
    expect(response.hits[0]!.explain.events).toContain(id);
    expect(response.hits.map((h) => h.unitId)).toEqual(expect.arrayContaining(results.map((r) => r.id)));

    const history = await fetch(`${running.url}/v1/tenants/${tenant}/memories/${id}/history`, { headers: { 'x-memfabric-caller': 'auditor:e2e' } });
    expect(history.status).toBe(200);
    const body = (await history.json()) as { unitId: string; versions: { text: string }[] };
    expect(body.unitId).toBe(id);
    expect(body.versions.map((v) => v.text)).toEqual([turns[0]!.data.content]);

    await running.fabric.flushQueryLog();
    const logged = await running.fabric.analytics.listQueries({ tenant });
    expect(logged.find((q) => q.queryId === response.queryId)).toMatchObject({ caller: 'local (agent:e2e)', unitIds: response.hits.map((h) => h.unitId) });
  });

  it('the three services share the port: ingest health, recall presets and problem+json errors', async () => {
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    const presets = await fetch(`${running.url}/v1/recall/presets`);
    expect(presets.status).toBe(200);
    const bad = await post('/v1/recall', { query: '', scope: { tenant } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const missing = await fetch(`${running.url}/v1/tenants/${tenant}/memories/00000000-0000-7000-8000-000000000000/history`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('GET /metrics serves the memfabric_* series of every part on the same port: appends, lag per projection, recall latency, no tenant id', async () => {
    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const appended = text.split('\n').find((l) => l.startsWith(`${METRIC.eventsAppended}{type="interaction.recorded"} `));
    expect(Number(appended?.split(' ').pop())).toBeGreaterThanOrEqual(turns.length);
    const lagged = new Set(text.split('\n').filter((l) => l.startsWith(`${METRIC.consumerLag}{`)).map((l) => /projection="([^"]+)"/.exec(l)?.[1]));
    expect([...lagged]).toEqual(expect.arrayContaining(['memory-units', 'vectors', 'extraction', 'graph']));
    expect(text).toMatch(new RegExp(`^${METRIC.recallSeconds}_count\\{preset="[a-z-]+"\\} [1-9]`, 'm'));
    expect(text).not.toContain(tenant);
  });
});
