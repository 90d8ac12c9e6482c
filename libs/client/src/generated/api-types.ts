// Copied from libs/events/src/generated/api-types.ts by libs/client/scripts/generate-wire.ts. Do not edit.
import type { EventEnvelope, StoredEvent } from './types.js';

/**
 * Outcome of an append: where each event of the batch is stored, in input order, and a consistency token for read-your-writes queries.
 */
export interface AppendResponse {
  /**
   * One entry per submitted event, in input order.
   */
  results: AppendResultItem[];
  /**
   * Events written by this call.
   */
  appended: number;
  /**
   * Events already in the log (same idempotency key or id): nothing was written for them.
   */
  duplicates: number;
  /**
   * Opaque token encoding the highest log position of the batch in each partition. Pass it to a query to wait until the projections have applied these events.
   */
  consistencyToken: string;
}
export interface AppendResultItem {
  /**
   * Event id (assigned by the log when the client sent none).
   */
  id: string;
  tenantid: string;
  streamid: string;
  /**
   * Log partition holding the event.
   */
  partition: number;
  /**
   * 0-based position of the event in its partition.
   */
  offset: number;
  /**
   * 1-based position of the event in its stream.
   */
  streamposition: number;
  /**
   * True when the event was already stored; the position is the first append's.
   */
  duplicate: boolean;
}

/**
 * Body of an append: a CloudEvents JSON batch (media type application/cloudevents-batch+json), 1 to 1000 events. Each event's `data` must match the schema its `dataschema` names (the current version of its type when absent).
 *
 * @minItems 1
 * @maxItems 1000
 */
export type EventBatch = [EventEnvelope, ...EventEnvelope[]];

/**
 * A passing health check. A failing one answers 503 with problem details.
 */
export interface HealthStatus {
  status: "ok";
}

/**
 * An error response (RFC 9457 problem details, media type application/problem+json) with memfabric's extension members `code`, `retriable` and, for validation failures, `errors`.
 */
export interface ProblemDetails {
  /**
   * Problem type URI: `urn:memfabric:problem:<code>`.
   */
  type: string;
  /**
   * Short summary of the problem type; the same for every occurrence of a type.
   */
  title: string;
  /**
   * HTTP status code of this occurrence.
   */
  status: number;
  /**
   * What went wrong in this occurrence, in words.
   */
  detail?: string;
  /**
   * Path of the request that failed.
   */
  instance?: string;
  /**
   * Stable machine-readable error code, safe to switch on (for example `validation_failed`, `payload_too_large`, `not_found`, `idempotency_conflict`, `unavailable`, `internal`).
   */
  code: string;
  /**
   * True when the same request may succeed if retried later unchanged.
   */
  retriable: boolean;
  /**
   * Every bad field, for `validation_failed`. Pointers into the body are JSON Pointers (RFC 6901) relative to the body (`/0/data/content`); parameters are addressed as `/path/<name>`, `/query/<name>` or `/header/<name>`.
   */
  errors?: {
    pointer: string;
    detail: string;
  }[];
  [k: string]: unknown | undefined;
}

/**
 * One page of a stream's events in stream order.
 */
export interface StreamPage {
  events: StoredEvent[];
  /**
   * Stream position to pass as `from` for the next page; absent when this page reaches the end of the stream.
   */
  next?: number;
}
