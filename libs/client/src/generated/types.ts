// Copied from libs/events/src/generated/types.ts by libs/client/scripts/generate-wire.ts. Do not edit.

/**
 * The extraction stage read an event and found entities, time expressions and relations. Recorded as an event so that a replay never re-runs a model.
 */
export interface FactsExtracted {
  sourceevent: string;
  extractor: {
    name: string;
    version: string;
  };
  /**
   * @maxItems 512
   */
  entities: {
    name: string;
    type: "person" | "place" | "organization" | "thing" | "date" | "quantity" | "other";
    /**
     * Offset of the mention in the content (UTF-16 code units).
     */
    start?: number;
    end?: number;
  }[];
  /**
   * @maxItems 128
   */
  times: {
    text: string;
    /**
     * Resolved start of the interval, against the event's own time.
     */
    start: string;
    end?: string;
  }[];
  /**
   * @maxItems 512
   */
  relations: {
    subject: string;
    predicate: string;
    object: string;
    validfrom?: string;
    validto?: string;
    /**
     * True when the predicate admits one object at a time, so a new object invalidates the old fact.
     */
    singlevalued?: boolean;
  }[];
}

/**
 * Superseded first shape of interaction.recorded: a chat message only. Upcast to v2 on read (kind = message, text -> content).
 */
export interface InteractionRecordedV1 {
  role: "user" | "assistant" | "system" | "tool";
  text: string;
  speaker?: string;
}

/**
 * An agent interaction happened: a message, a tool call, a tool result or an observation.
 */
export interface InteractionRecorded {
  kind: "message" | "tool_call" | "tool_result" | "observation";
  role: "user" | "assistant" | "system" | "tool";
  /**
   * Text of the interaction (at most 32768 UTF-16 code units).
   */
  content: string;
  /**
   * Display name of who spoke, when it differs from the actor id.
   */
  speaker?: string;
  /**
   * Reference of the turn in the system it came from (for example a LoCoMo dia_id).
   */
  sourceref?: string;
  tool?: {
    name: string;
    callid?: string;
    arguments?: {
      [k: string]: unknown | undefined;
    };
  };
  /**
   * @maxItems 16
   */
  attachments?: {
    mediatype: string;
    url?: string;
    /**
     * Text description of the attachment (for an image, its caption).
     */
    caption?: string;
    query?: string;
  }[];
}

/**
 * An explicit, typed memory was asserted (by an agent, a user or an operator), with an optional validity interval in world time.
 */
export interface MemoryAsserted {
  memoryid: string;
  memorytype: "fact" | "preference" | "profile" | "event" | "instruction" | "summary";
  content: string;
  /**
   * Structured fields of the memory (subject, predicate, object, ...).
   */
  attributes?: {
    [k: string]: unknown | undefined;
  };
  /**
   * Start of the world-time interval in which the memory holds.
   */
  validfrom?: string;
  /**
   * End (exclusive) of the world-time interval in which the memory holds.
   */
  validto?: string;
  confidence?: number;
}

/**
 * A memory was corrected: this event supersedes an earlier event (which stays in the log).
 */
export interface MemoryCorrected {
  /**
   * Id of the event whose memory this one replaces.
   */
  supersedes: string;
  memoryid?: string;
  content: string;
  attributes?: {
    [k: string]: unknown | undefined;
  };
  validfrom?: string;
  validto?: string;
  reason?: string;
}

/**
 * A memory was retracted: the target event no longer counts as true from now on (it stays in the log).
 */
export interface MemoryRetracted {
  /**
   * Id of the event whose memory is retracted.
   */
  target: string;
  reason?: string;
}

/**
 * A rollback was applied: from now on, events matching the filter are excluded from every view. Nothing is deleted; a rollback.reverted event undoes it.
 */
export interface RollbackApplied {
  filter: {
    tenantid: string;
    actor?: string;
    streamid?: string;
    /**
     * Inclusive lower bound on world time.
     */
    from?: string;
    /**
     * Exclusive upper bound on world time.
     */
    to?: string;
    batchid?: string;
  };
  /**
   * Only events at or below this log offset are rolled back (events appended later are not).
   */
  uptoposition?: number;
  reason?: string;
}

/**
 * A rollback was reverted: the events it excluded count again.
 */
export interface RollbackReverted {
  /**
   * Id of the rollback.applied event.
   */
  rollbackid: string;
  reason?: string;
}

/**
 * A data subject was erased (right to erasure, GDPR art. 17): its content key was destroyed (crypto-shredding) and derived data must be purged.
 */
export interface SubjectErased {
  datasubject: string;
  requestedby?: string;
  reason?: string;
}

/**
 * A named log position was tagged (for point-in-time views and rollback targets).
 */
export interface VersionTagged {
  tag: string;
  /**
   * @minItems 1
   */
  positions: [
    {
      partition: number;
      offset: number;
    },
    ...{
      partition: number;
      offset: number;
    }[]
  ];
  description?: string;
}

/**
 * Tenant id: 1-64 characters of letters, digits, '.', '_' or '-'.
 */
export type TenantId = string;
/**
 * Stream id (agent session or conversation): 1-128 characters of letters, digits, '.', '_', ':' or '-'.
 */
export type StreamId = string;

/**
 * CloudEvents 1.0 attributes plus memfabric extensions, as a client submits an event. `time` is world time (when the interaction happened); the log adds transaction time (`recordedat`) and positions when it stores the event. Extension names follow the CloudEvents naming rule (lower-case a-z, 0-9, at most 20 characters).
 */
export interface EventEnvelope {
  /**
   * CloudEvents spec version; the log fills in 1.0 when absent.
   */
  specversion?: "1.0";
  /**
   * Event id; the log assigns a UUIDv7 (RFC 9562) when absent.
   */
  id?: string;
  /**
   * Context in which the event happened (agent, platform, importer), as a URI-reference.
   */
  source: string;
  /**
   * Past-tense event type. The meaning of a type never changes; its data shape is versioned by `dataschema`.
   */
  type:
    | "interaction.recorded"
    | "memory.asserted"
    | "memory.corrected"
    | "memory.retracted"
    | "facts.extracted"
    | "rollback.applied"
    | "rollback.reverted"
    | "subject.erased"
    | "version.tagged";
  /**
   * CloudEvents subject: what the event is about within its source (for example a memory id).
   */
  subject?: string;
  /**
   * World time: when the interaction happened (RFC 3339).
   */
  time: string;
  /**
   * Schema of `data` (`urn:memfabric:schema:<type>:v<N>`); the current version of the type when absent.
   */
  dataschema?: string;
  datacontenttype?: "application/json";
  tenantid: TenantId;
  streamid: StreamId;
  /**
   * Who wrote the event (user, agent, speaker, importer).
   */
  actor: string;
  /**
   * Person whose personal data the event carries; its content key is erased on a right-to-erasure request. Defaults to `actor`.
   */
  datasubject?: string;
  /**
   * Id of the event that caused this one.
   */
  causationid?: string;
  /**
   * Id shared by every event of one logical operation.
   */
  correlationid?: string;
  /**
   * W3C Trace Context traceparent of the write.
   */
  traceparent?: string;
  /**
   * Client key that makes the append idempotent within the tenant: a retried event with the same key returns the first append's position and writes nothing.
   */
  idempotencykey?: string;
  /**
   * Ingest batch this event belongs to (rollback can target it); the log assigns one per append call when absent.
   */
  batchid?: string;
  /**
   * Event payload, validated against the schema named by `dataschema`.
   */
  data: {
    [k: string]: unknown | undefined;
  };
}

/**
 * An event as the log returns it: the CloudEvents envelope with transaction time, positions and hash-chain links stamped by the log. `data` is already upcast to the current schema of its type, or null when its data subject was erased.
 */
export interface StoredEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  subject?: string;
  time: string;
  dataschema: string;
  datacontenttype?: "application/json";
  tenantid: string;
  streamid: string;
  actor: string;
  datasubject: string;
  causationid?: string;
  correlationid?: string;
  traceparent?: string;
  idempotencykey?: string;
  batchid: string;
  /**
   * Transaction time: when the log stored the event.
   */
  recordedat: string;
  /**
   * Log partition (always 0 in the embedded log; Kafka partition in a cluster).
   */
  partition: number;
  /**
   * Position of the event in its partition (0-based).
   */
  offset: number;
  /**
   * 1-based sequence number of the event in its stream.
   */
  streamposition: number;
  /**
   * Hash of the previous event of the stream (64 zeros for the first).
   */
  prevhash: string;
  /**
   * SHA-256 over the RFC 8785 canonical JSON of the stored (encrypted) record and prevhash.
   */
  hash: string;
  /**
   * True when the content key of the data subject was destroyed; `data` is then null.
   */
  erased?: boolean;
  data: {
    [k: string]: unknown | undefined;
  } | null;
}
