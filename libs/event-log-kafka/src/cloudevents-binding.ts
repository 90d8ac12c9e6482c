import type { SealedContent, SealedEvent, StoredRecord } from '@memfabric/event-log';

/**
 * The CloudEvents Kafka protocol binding, binary content mode
 * (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md):
 * every context attribute and extension of the stored record travels as a `ce_<name>` header
 * (UTF-8), `datacontenttype` as `content-type`, and the message value is the event data. Here the
 * data is the sealed (AES-256-GCM encrypted) content object serialised as JSON, so the broker
 * never sees plaintext. The hash-chain links travel as the `ce_prevhash` and `ce_hash`
 * extensions; `traceparent` is also sent as the plain W3C Trace Context header
 * (https://www.w3.org/TR/trace-context/) so tracing instrumentation finds it. With tracing on,
 * the log's producer span overwrites the plain `traceparent` header and adds `tracestate`
 * (`KafkaEventLog.append`); neither is part of the record.
 *
 * The mapping is a bijection: {@link fromKafkaMessage} rebuilds exactly the record that
 * {@link toKafkaMessage} was given, so `chainHash` over it yields the stored `hash`.
 */

/** Prefix of CloudEvents attribute headers. */
export const CE_HEADER_PREFIX = 'ce_';
/** Header carrying `datacontenttype`. */
export const CONTENT_TYPE_HEADER = 'content-type';
/** Plain W3C Trace Context header (duplicate of `ce_traceparent`, not part of the record). */
export const TRACEPARENT_HEADER = 'traceparent';

/** A Kafka message ready for kafkajs: string key, JSON value, UTF-8 string headers. */
export interface KafkaEventMessage {
  /** `${tenantid}/${streamid}`: keeps each stream in one partition, in order. */
  readonly key: string;
  /** JSON of the sealed content. */
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Header values as kafkajs delivers them. */
export type KafkaHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

/** A message is not a memfabric event record (foreign producer) or was damaged beyond reading. */
export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

/** Attributes that are not strings in a stored record. */
const INTEGER_ATTRIBUTES = new Set(['streamposition']);
/** Chain links: headers of the sealed event, not attributes of the record. */
const LINK_ATTRIBUTES = new Set(['prevhash', 'hash']);
/** Headers without which a message cannot be placed in a stream at all. */
const REQUIRED_HEADERS = ['id', 'tenantid', 'streamid', 'streamposition', 'prevhash', 'hash'] as const;

/** Partition key of a stream: `${tenantid}/${streamid}`. */
export function streamPartitionKey(tenantid: string, streamid: string): string {
  return `${tenantid}/${streamid}`;
}

/**
 * Maps a sealed event to a Kafka message (binary content mode).
 * @throws TypeError when a record attribute is neither a string nor (for `streamposition`) an
 *   integer, since it could not round-trip through a header.
 */
export function toKafkaMessage(sealed: SealedEvent): KafkaEventMessage {
  const { content, datacontenttype, ...attributes } = sealed.record;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes) as [string, unknown][]) {
    if (value === undefined) continue;
    if (INTEGER_ATTRIBUTES.has(name)) {
      if (!Number.isSafeInteger(value)) throw new TypeError(`record attribute ${name} must be an integer, got ${JSON.stringify(value)}`);
      headers[`${CE_HEADER_PREFIX}${name}`] = (value as number).toString(10);
    } else if (typeof value === 'string') {
      headers[`${CE_HEADER_PREFIX}${name}`] = value;
    } else {
      throw new TypeError(`record attribute ${name} must be a string to travel as a ce_ header, got ${typeof value}`);
    }
  }
  headers[`${CE_HEADER_PREFIX}prevhash`] = sealed.prevhash;
  headers[`${CE_HEADER_PREFIX}hash`] = sealed.hash;
  headers[CONTENT_TYPE_HEADER] = datacontenttype;
  if (sealed.record.traceparent !== undefined) headers[TRACEPARENT_HEADER] = sealed.record.traceparent;
  return {
    key: streamPartitionKey(sealed.record.tenantid, sealed.record.streamid),
    value: JSON.stringify(content),
    headers,
  };
}

function headerText(name: string, value: Buffer | string | (Buffer | string)[]): string {
  if (Array.isArray(value)) throw new RecordFormatError(`header ${name} occurs ${value.length} times`);
  return typeof value === 'string' ? value : value.toString('utf8');
}

function isSealedContent(value: unknown): value is SealedContent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.alg === 'A256GCM' && ['keyid', 'iv', 'ciphertext', 'tag'].every((k) => typeof v[k] === 'string');
}

/**
 * Rebuilds the sealed event from a Kafka message's headers and value. Every `ce_` header
 * becomes a record attribute (so an added, removed or altered header changes the record and
 * the hash check of `verifyChain` reports it); headers without the prefix, other than
 * `content-type`, are ignored.
 * @throws RecordFormatError when the message has no value, a value that is not sealed content,
 *   a repeated header, or lacks the headers that place it in a stream (`ce_id`, `ce_tenantid`,
 *   `ce_streamid`, `ce_streamposition`, `ce_prevhash`, `ce_hash`).
 */
export function fromKafkaMessage(headers: KafkaHeaders | undefined, value: Buffer | string | null): SealedEvent {
  const text: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    text[name] = headerText(name, raw);
  }
  for (const name of REQUIRED_HEADERS) {
    if (text[`${CE_HEADER_PREFIX}${name}`] === undefined) throw new RecordFormatError(`missing header ${CE_HEADER_PREFIX}${name}`);
  }
  if (value === null) throw new RecordFormatError('message has no value');
  let content: unknown;
  try {
    content = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (cause) {
    throw new RecordFormatError(`message value is not JSON: ${(cause as Error).message}`);
  }
  if (!isSealedContent(content)) throw new RecordFormatError('message value is not sealed content {alg, keyid, iv, ciphertext, tag}');

  const record: Record<string, unknown> = {};
  let prevhash = '';
  let hash = '';
  for (const [name, raw] of Object.entries(text)) {
    if (!name.startsWith(CE_HEADER_PREFIX)) continue;
    const attribute = name.slice(CE_HEADER_PREFIX.length);
    if (attribute === 'prevhash') prevhash = raw;
    else if (attribute === 'hash') hash = raw;
    else if (INTEGER_ATTRIBUTES.has(attribute)) {
      if (!/^(0|[1-9]\d{0,15})$/.test(raw)) throw new RecordFormatError(`header ${name} is not an integer: ${JSON.stringify(raw)}`);
      record[attribute] = Number(raw);
    } else if (!LINK_ATTRIBUTES.has(attribute)) record[attribute] = raw;
  }
  const contentType = text[CONTENT_TYPE_HEADER];
  if (contentType !== undefined) record.datacontenttype = contentType;
  record.content = content;
  return { record: record as unknown as StoredRecord, prevhash, hash };
}
