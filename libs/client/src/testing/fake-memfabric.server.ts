import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemfabricError, type FieldProblem } from '../generated/errors/index.js';
import { normalizeBatch } from '@memfabric/events';
import type { StoredEvent } from '../generated/types.js';
import type { RecallHit, RecallRequest, RecallResponse } from '../generated/api-types.js';

/** A request the fake received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  readonly body: unknown;
}

/** A scripted answer that replaces the fake's own for matching requests. */
export interface ScriptedResponse {
  /** Only requests with this method (default any). */
  readonly method?: string;
  /** Only requests whose path (without query) equals this string or matches this pattern (default any). */
  readonly path?: string | RegExp;
  /** How many matching requests get this answer (default 1). */
  readonly times?: number;
  /** Status to answer (default 503). */
  readonly status?: number;
  /** Body: an object is sent as JSON (problem+json for status ≥ 400), a string as is; default a problem for `status`. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long (ms) before answering; a hung server for timeout tests. */
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (a reset). */
  readonly destroy?: boolean;
}

/** A running fake fabric. */
export interface FakeMemfabric {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Every stored event, in log order (offset = index). */
  readonly events: StoredEvent[];
  /** Answers the next matching request(s) with `response` instead of the fake's own answer. */
  script(response: ScriptedResponse): void;
  /** Stops the server (open connections are closed). */
  close(): Promise<void>;
}

/** Options of {@link startFakeMemfabric}. */
export interface FakeMemfabricOptions {
  /** Serve `POST /v1/recall` (default true); false answers 404 there, like a fabric without a query gateway. */
  readonly recall?: boolean;
  /** Serve the history route (default true). */
  readonly history?: boolean;
}

const ZERO_HASH = '0'.repeat(64);
const TOKEN_PREFIX = 'mf1.';

function problemBody(status: number, code: string, detail: string, errors?: readonly FieldProblem[]): Record<string, unknown> {
  const titles: Record<number, string> = { 400: 'Request validation failed', 404: 'Not found', 415: 'Unsupported media type', 503: 'Service unavailable' };
  return {
    type: `urn:memfabric:problem:${code}`,
    title: titles[status] ?? `HTTP ${status}`,
    status,
    detail,
    code,
    retriable: status === 503,
    ...(errors === undefined ? {} : { errors }),
  };
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: readonly FieldProblem[],
  ) {
    super(detail);
  }
}

function tokens(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function tokenFor(nextOffset: number): string {
  return `${TOKEN_PREFIX}${Buffer.from(JSON.stringify({ 0: nextOffset })).toString('base64url')}`;
}

/**
 * A loopback fake of the memfabric REST API for client and MCP tests: an in-memory log behind
 * `POST /v1/events` (validated with the real event contract, idempotent on id and
 * idempotency key, consistency tokens in the `mf1.` format), `GET /v1/events/{id}`, stream
 * pages, `POST /v1/recall` (token overlap over interactions and asserted memories, honouring
 * scope, `k`, `asOf.position`, `validAt`, corrections and retractions, with an `explain` from
 * a single `lexical` channel), the memory history route, `/health/*` and `/openapi.json`.
 * Errors are problem+json like the real services. Scripted answers (503s, delays, resets)
 * test retries and timeouts.
 *
 * It checks shapes, not retrieval quality: use the real fabric for that.
 *
 * @param port - TCP port on 127.0.0.1 (default 0: any free port).
 */
export async function startFakeMemfabric(options: FakeMemfabricOptions = {}, port = 0): Promise<FakeMemfabric> {
  const requests: RecordedRequest[] = [];
  const events: StoredEvent[] = [];
  const scripts: (ScriptedResponse & { remaining: number })[] = [];
  const streamLengths = new Map<string, number>();

  function append(body: unknown, batchId: string | undefined): Record<string, unknown> {
    let normalized;
    try {
      normalized = normalizeBatch(body);
    } catch (error) {
      if (MemfabricError.is(error) && error.code === 'validation_failed') {
        throw new HttpProblem(400, 'validation_failed', error.message, (error as unknown as { problems: FieldProblem[] }).problems);
      }
      throw error;
    }
    const batch = batchId ?? `batch-${events.length}`;
    const results = normalized.map((event) => {
      const existing = events.find(
        (e) => e.id === event.id || (event.idempotencykey !== undefined && e.tenantid === event.tenantid && e.idempotencykey === event.idempotencykey),
      );
      if (existing) {
        return { id: existing.id, tenantid: existing.tenantid, streamid: existing.streamid, partition: 0, offset: existing.offset, streamposition: existing.streamposition, duplicate: true };
      }
      const key = `${event.tenantid}/${event.streamid}`;
      const streamposition = (streamLengths.get(key) ?? 0) + 1;
      streamLengths.set(key, streamposition);
      const stored: StoredEvent = { ...event, batchid: batch, recordedat: new Date().toISOString(), partition: 0, offset: events.length, streamposition, prevhash: ZERO_HASH, hash: ZERO_HASH };
      events.push(stored);
      return { id: stored.id, tenantid: stored.tenantid, streamid: stored.streamid, partition: 0, offset: stored.offset, streamposition, duplicate: false };
    });
    const appended = results.filter((r) => !r.duplicate).length;
    const highest = Math.max(...results.map((r) => r.offset));
    return { results, appended, duplicates: results.length - appended, consistencyToken: tokenFor(highest + 1) };
  }

  function recall(body: unknown): RecallResponse {
    const request = body as Partial<RecallRequest> | undefined;
    const problems: FieldProblem[] = [];
    if (typeof request?.query !== 'string' || request.query.trim() === '') problems.push({ pointer: '/query', detail: 'must be a non-empty string' });
    if (typeof request?.scope?.tenant !== 'string') problems.push({ pointer: '/scope/tenant', detail: 'is required' });
    const k = request?.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 100) problems.push({ pointer: '/k', detail: 'must be an integer from 1 to 100' });
    if (request?.preset !== undefined && !['hybrid-rrf', 'dense-only', 'lexical-only'].includes(request.preset)) {
      throw new HttpProblem(404, 'not_found', `unknown preset ${request.preset}`);
    }
    if (problems.length > 0 || !request?.query || !request.scope) throw new HttpProblem(400, 'validation_failed', `${problems.length} invalid field(s)`, problems);
    const scope = request.scope;
    const asOf = request.asOf && 'position' in request.asOf ? request.asOf.position : undefined;
    const visible = events.filter((e) => e.tenantid === scope.tenant && (asOf === undefined || e.offset <= asOf));
    const retracted = new Set(visible.filter((e) => e.type === 'memory.retracted').map((e) => String(e.data?.target)));
    const corrections = new Map(visible.filter((e) => e.type === 'memory.corrected').map((e) => [String(e.data?.supersedes), e]));
    const wanted = tokens(request.query);
    const scored = visible
      .filter((e) => (e.type === 'interaction.recorded' || e.type === 'memory.asserted') && !retracted.has(e.id))
      .filter((e) => !scope.streams || scope.streams.includes(e.streamid))
      .filter((e) => (!scope.actors && !scope.agents) || [...(scope.actors ?? []), ...(scope.agents ?? [])].includes(e.actor))
      .filter((e) => request.validAt === undefined || Date.parse(e.time) <= Date.parse(request.validAt))
      .map((e) => {
        const correction = corrections.get(e.id);
        const content = correction?.data?.content ?? e.data?.content;
        const text = typeof content === 'string' ? content : '';
        const have = tokens(text);
        const overlap = [...wanted].filter((t) => have.has(t)).length;
        return { e, text, score: overlap / Math.max(1, wanted.size), correction };
      })
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.e.offset - b.e.offset)
      .slice(0, k);
    const hits: RecallHit[] = scored.map(({ e, text, score, correction }, i) => ({
      rank: i + 1,
      unitId: e.id,
      text,
      tenant: e.tenantid,
      stream: e.streamid,
      actor: e.actor,
      speaker: typeof e.data?.speaker === 'string' ? e.data.speaker : null,
      memoryType: e.type === 'interaction.recorded' ? 'interaction' : String(e.data?.memorytype),
      time: e.time,
      validFrom: typeof e.data?.validfrom === 'string' ? e.data.validfrom : null,
      validTo: typeof e.data?.validto === 'string' ? e.data.validto : null,
      recordedAt: e.recordedat,
      position: { partition: e.partition, offset: e.offset },
      sourceRef: typeof e.data?.sourceref === 'string' ? e.data.sourceref : (e.subject ?? null),
      score: 1 / (60 + i + 1),
      explain: {
        channels: { lexical: { rank: i + 1, score, weight: 1, contribution: 1 / (60 + i + 1) } },
        events: correction ? [e.id, correction.id] : [e.id],
      },
    }));
    return {
      hits,
      preset: request.preset ?? 'hybrid-rrf',
      weights: { lexical: 1 },
      consistency: { requested: request.consistencyToken !== undefined, reached: true, waitedMs: 0, behind: [] },
      asOfPosition: asOf ?? null,
      validAt: request.validAt ?? null,
      timeExpressions: [],
      timings: { totalMs: 0, channels: { lexical: 0 } },
      queryId: `query-${requests.length}`,
    };
  }

  function history(tenant: string, unitId: string): Record<string, unknown> {
    const created = events.find((e) => e.id === unitId && e.tenantid === tenant);
    if (!created) throw new HttpProblem(404, 'not_found', `no memory unit ${unitId} in tenant ${tenant}`);
    const touching = events.filter((e) => e.tenantid === tenant && (e.id === unitId || e.data?.target === unitId || e.data?.supersedes === unitId));
    return {
      unitId,
      versions: touching.map((e, i) => ({
        version: i + 1,
        eventId: e.id,
        type: e.type,
        change: e.type === 'memory.retracted' ? 'retracted' : e.type === 'memory.corrected' ? 'corrected' : 'created',
        position: { partition: e.partition, offset: e.offset },
        recordedAt: e.recordedat,
        time: e.time,
        actor: e.actor,
        status: e.type === 'memory.retracted' ? 'retracted' : 'active',
        text: typeof e.data?.content === 'string' ? e.data.content : null,
      })),
    };
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown, headers: IncomingHttpHeaders): { status: number; body: unknown; type?: string } {
    if (method === 'POST' && path === '/v1/events') {
      const type = String(headers['content-type'] ?? '').split(';')[0]?.trim();
      if (type !== 'application/cloudevents-batch+json' && type !== 'application/json') throw new HttpProblem(415, 'unsupported_media_type', `Content-Type ${type} is not a batch type`);
      const answer = append(body, typeof headers['memfabric-batch-id'] === 'string' ? headers['memfabric-batch-id'] : undefined);
      return { status: (answer.appended as number) > 0 ? 201 : 200, body: answer };
    }
    if (method === 'POST' && path === '/v1/recall' && options.recall !== false) return { status: 200, body: recall(body) };
    let match = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) {
      const id = decodeURIComponent(match[1]!);
      const event = events.find((e) => e.id === id);
      if (!event) throw new HttpProblem(404, 'not_found', `no event ${id}`);
      return { status: 200, body: event, type: 'application/cloudevents+json' };
    }
    match = /^\/v1\/tenants\/([^/]+)\/streams\/([^/]+)\/events$/.exec(path);
    if (method === 'GET' && match) {
      const [tenant, stream] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
      const from = Number(query.get('from') ?? 1);
      const limit = Number(query.get('limit') ?? 100);
      const all = events.filter((e) => e.tenantid === tenant && e.streamid === stream);
      if (all.length === 0) throw new HttpProblem(404, 'not_found', `unknown stream ${stream} of tenant ${tenant}`);
      const rest = all.filter((e) => e.streamposition >= from);
      const page = rest.slice(0, limit);
      const last = page.at(-1);
      return { status: 200, body: rest.length > limit && last ? { events: page, next: last.streamposition + 1 } : { events: page } };
    }
    match = /^\/v1\/tenants\/([^/]+)\/memories\/([^/]+)\/history$/.exec(path);
    if (method === 'GET' && match && options.history !== false) {
      return { status: 200, body: history(decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)) };
    }
    if (method === 'GET' && (path === '/health/live' || path === '/health/ready')) return { status: 200, body: { status: 'ok' } };
    if (method === 'GET' && path === '/openapi.json') return { status: 200, body: { openapi: '3.1.0', info: { title: 'fake memfabric', version: '0' }, paths: {} } };
    throw new HttpProblem(404, 'not_found', `Cannot ${method} ${path}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    let malformed = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        malformed = true;
      }
    }
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method, url: req.url ?? '/', headers: req.headers, body });

    const scripted = scripts.find(
      (s) =>
        s.remaining > 0 &&
        (s.method === undefined || s.method === method) &&
        (s.path === undefined || (typeof s.path === 'string' ? s.path === url.pathname : s.path.test(url.pathname))),
    );
    if (scripted) {
      scripted.remaining -= 1;
      if (scripted.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      if (scripted.destroy === true) {
        req.socket.destroy();
        return;
      }
      const status = scripted.status ?? 503;
      const payload = scripted.body ?? problemBody(status, status === 503 ? 'unavailable' : `http_${status}`, 'scripted failure');
      const isText = typeof payload === 'string';
      const type = isText ? 'text/html' : status >= 400 ? 'application/problem+json' : 'application/json';
      if (!res.destroyed) res.writeHead(status, { 'content-type': type, ...scripted.headers }).end(isText ? payload : JSON.stringify(payload));
      return;
    }

    try {
      if (malformed) throw new HttpProblem(400, 'malformed_json', 'request body is not valid JSON');
      const answer = route(method, url.pathname, url.searchParams, body, req.headers);
      res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' }).end(JSON.stringify(answer.body));
    } catch (error) {
      const problem =
        error instanceof HttpProblem
          ? problemBody(error.status, error.code, error.message, error.errors)
          : problemBody(500, 'internal', 'The server could not handle the request; the error has been logged.');
      res.writeHead(problem.status as number, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ ...problem, instance: url.pathname }));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    events,
    script: (response) => scripts.push({ ...response, remaining: response.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * A loopback TCP port nothing listens on (bound once, then released), so a request to it is
 * refused (`ECONNREFUSED`). Another process could take the port in between; tests use it only
 * for the refused-connection path.
 */
export async function refusedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
