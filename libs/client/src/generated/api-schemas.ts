// Copied from libs/events/src/generated/api-schemas.ts by libs/client/scripts/generate-wire.ts. Do not edit.

/** schemas/api/append-response.schema.json: urn:memfabric:schema:api:append-response:v1 */
export const appendResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:append-response:v1",
  "title": "AppendResponse",
  "description": "Outcome of an append: where each event of the batch is stored, in input order, and a consistency token for read-your-writes queries.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "results",
    "appended",
    "duplicates",
    "consistencyToken"
  ],
  "properties": {
    "results": {
      "type": "array",
      "description": "One entry per submitted event, in input order.",
      "items": {
        "$ref": "#/$defs/appendResult"
      }
    },
    "appended": {
      "type": "integer",
      "minimum": 0,
      "description": "Events written by this call."
    },
    "duplicates": {
      "type": "integer",
      "minimum": 0,
      "description": "Events already in the log (same idempotency key or id): nothing was written for them."
    },
    "consistencyToken": {
      "type": "string",
      "minLength": 1,
      "description": "Opaque token encoding the highest log position of the batch in each partition. Pass it to a query to wait until the projections have applied these events."
    }
  },
  "$defs": {
    "appendResult": {
      "title": "AppendResultItem",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "id",
        "tenantid",
        "streamid",
        "partition",
        "offset",
        "streamposition",
        "duplicate"
      ],
      "properties": {
        "id": {
          "type": "string",
          "format": "uuid",
          "description": "Event id (assigned by the log when the client sent none)."
        },
        "tenantid": {
          "type": "string"
        },
        "streamid": {
          "type": "string"
        },
        "partition": {
          "type": "integer",
          "minimum": 0,
          "description": "Log partition holding the event."
        },
        "offset": {
          "type": "integer",
          "minimum": 0,
          "description": "0-based position of the event in its partition."
        },
        "streamposition": {
          "type": "integer",
          "minimum": 1,
          "description": "1-based position of the event in its stream."
        },
        "duplicate": {
          "type": "boolean",
          "description": "True when the event was already stored; the position is the first append's."
        }
      }
    }
  }
} as const;

/** schemas/api/entity-history.schema.json: urn:memfabric:schema:api:entity-history:v1 */
export const entityHistorySchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:entity-history:v1",
  "title": "EntityHistory",
  "description": "Answer of `GET /v1/tenants/{tenant}/entities/{id}/history`: every fact about a knowledge-graph entity added, supported, invalidated or ended, with valid and transaction times.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "tenantid",
    "entity",
    "entries"
  ],
  "properties": {
    "tenantid": {
      "type": "string"
    },
    "entity": {
      "title": "HistoryEntity",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "id",
        "name",
        "type",
        "aliases",
        "recordedAt"
      ],
      "properties": {
        "id": {
          "type": "string"
        },
        "name": {
          "type": "string"
        },
        "type": {
          "type": "string"
        },
        "aliases": {
          "type": "array",
          "items": {
            "type": "string"
          }
        },
        "recordedAt": {
          "type": "string",
          "format": "date-time"
        }
      }
    },
    "entries": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/entry"
      }
    }
  },
  "$defs": {
    "ref": {
      "title": "EntityRef",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "id",
        "name"
      ],
      "properties": {
        "id": {
          "type": "string"
        },
        "name": {
          "type": "string"
        }
      }
    },
    "entry": {
      "title": "EntityHistoryEntry",
      "description": "One fact change of an entity's history.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "version",
        "kind",
        "factId",
        "subject",
        "predicate",
        "object",
        "validFrom",
        "validTo",
        "recordedAt",
        "position",
        "eventId",
        "sourceEventId",
        "byFactId"
      ],
      "properties": {
        "version": {
          "type": "integer",
          "minimum": 1,
          "description": "1-based, in transaction order."
        },
        "kind": {
          "enum": [
            "fact_added",
            "fact_supported",
            "fact_invalidated",
            "fact_ended"
          ]
        },
        "factId": {
          "type": "string"
        },
        "subject": {
          "$ref": "#/$defs/ref"
        },
        "predicate": {
          "type": "string"
        },
        "object": {
          "$ref": "#/$defs/ref"
        },
        "validFrom": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time",
          "description": "World time (valid time): the interval the fact holds over."
        },
        "validTo": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time",
          "description": "Null: open."
        },
        "recordedAt": {
          "type": "string",
          "format": "date-time",
          "description": "Transaction time of the change."
        },
        "position": {
          "$ref": "urn:memfabric:schema:api:log-position:v1"
        },
        "eventId": {
          "type": "string",
          "description": "The `facts.extracted` event behind the change."
        },
        "sourceEventId": {
          "type": "string",
          "description": "The event the facts were extracted from."
        },
        "byFactId": {
          "type": [
            "string",
            "null"
          ],
          "description": "For `fact_invalidated`: the fact whose arrival invalidated this one."
        }
      }
    }
  }
} as const;

/** schemas/api/erasure-request.schema.json: urn:memfabric:schema:api:erasure-request:v1 */
export const erasureRequestSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:erasure-request:v1",
  "title": "ErasureRequest",
  "description": "Body of `POST /v1/tenants/{tenant}/subjects/{subject}/erase` (may be absent). Unknown fields are refused.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "reason": {
      "type": "string",
      "maxLength": 2048,
      "description": "Why; recorded in `subject.erased`."
    },
    "requestedBy": {
      "type": "string",
      "maxLength": 256,
      "description": "Who asked for the erasure; default the authenticated caller."
    }
  }
} as const;

/** schemas/api/erasure-response.schema.json: urn:memfabric:schema:api:erasure-response:v1 */
export const erasureResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:erasure-response:v1",
  "title": "ErasureResponse",
  "description": "Answer of an erasure: the `subject.erased` event, the content keys destroyed and the memory units purged.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "eventId",
    "keysDestroyed",
    "units"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid",
      "description": "Id of the `subject.erased` event."
    },
    "keysDestroyed": {
      "type": "integer",
      "minimum": 0,
      "description": "Content keys destroyed (crypto-shredding)."
    },
    "units": {
      "type": [
        "integer",
        "null"
      ],
      "minimum": 0,
      "description": "Memory units whose content was purged; null when the projections were not awaited."
    }
  }
} as const;

/** schemas/api/event-batch.schema.json: urn:memfabric:schema:api:event-batch:v1 */
export const eventBatchSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:event-batch:v1",
  "title": "EventBatch",
  "description": "Body of an append: a CloudEvents JSON batch (media type application/cloudevents-batch+json), 1 to 1000 events. Each event's `data` must match the schema its `dataschema` names (the current version of its type when absent).",
  "type": "array",
  "minItems": 1,
  "maxItems": 1000,
  "items": {
    "$ref": "urn:memfabric:schema:envelope:v1"
  }
} as const;

/** schemas/api/export-response.schema.json: urn:memfabric:schema:api:export-response:v1 */
export const exportResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:export-response:v1",
  "title": "ExportResponse",
  "description": "Answer of `POST /v1/tenants/{tenant}/export`: where the signed export bundle was written on the server, its manifest, and the key to verify it with.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "dir",
    "manifest",
    "keyId",
    "publicKeyPem"
  ],
  "properties": {
    "dir": {
      "type": "string",
      "description": "Directory the bundle was written to (on the server)."
    },
    "manifest": {
      "title": "ExportManifest",
      "type": "object",
      "description": "`manifest.json` of the bundle.",
      "required": [
        "format",
        "tenantid",
        "createdat",
        "position",
        "counts",
        "streams",
        "files",
        "signing"
      ],
      "properties": {
        "format": {
          "const": "memfabric-export/1"
        },
        "tenantid": {
          "type": "string"
        },
        "createdat": {
          "type": "string",
          "format": "date-time"
        },
        "position": {
          "type": "integer",
          "minimum": -1,
          "description": "Offset of the last exported event (-1 when the tenant had none)."
        },
        "counts": {
          "type": "object",
          "required": [
            "events",
            "streams",
            "checkpoints"
          ],
          "properties": {
            "events": {
              "type": "integer",
              "minimum": 0
            },
            "streams": {
              "type": "integer",
              "minimum": 0
            },
            "checkpoints": {
              "type": "integer",
              "minimum": 0
            }
          }
        },
        "streams": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "streamid",
              "events",
              "firstPosition",
              "lastPosition",
              "firstHash",
              "lastHash"
            ],
            "properties": {
              "streamid": {
                "type": "string"
              },
              "events": {
                "type": "integer"
              },
              "firstPosition": {
                "type": "integer"
              },
              "lastPosition": {
                "type": "integer"
              },
              "firstHash": {
                "type": "string"
              },
              "lastHash": {
                "type": "string"
              }
            }
          }
        },
        "files": {
          "type": "object",
          "description": "SHA-256 (64 hex) and size in bytes of each file of the bundle.",
          "additionalProperties": {
            "type": "object",
            "required": [
              "sha256",
              "bytes"
            ],
            "properties": {
              "sha256": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$"
              },
              "bytes": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        },
        "signing": {
          "type": "object",
          "required": [
            "alg",
            "keyid",
            "publicKeyPem",
            "publicKeyJwk"
          ],
          "properties": {
            "alg": {
              "const": "EdDSA"
            },
            "keyid": {
              "type": "string"
            },
            "publicKeyPem": {
              "type": "string"
            },
            "publicKeyJwk": {
              "type": "object",
              "additionalProperties": {
                "type": "string"
              }
            }
          }
        }
      }
    },
    "keyId": {
      "type": "string",
      "description": "Key id auditors verify with."
    },
    "publicKeyPem": {
      "type": "string",
      "description": "SPKI PEM of that key."
    }
  }
} as const;

/** schemas/api/health-status.schema.json: urn:memfabric:schema:api:health-status:v1 */
export const healthStatusSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:health-status:v1",
  "title": "HealthStatus",
  "description": "A passing health check. A failing one answers 503 with problem details.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "status"
  ],
  "properties": {
    "status": {
      "const": "ok"
    }
  }
} as const;

/** schemas/api/log-position.schema.json: urn:memfabric:schema:api:log-position:v1 */
export const logPositionSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:log-position:v1",
  "title": "LogPosition",
  "description": "Where an event is stored in the log: its partition and 0-based offset there.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "partition",
    "offset"
  ],
  "properties": {
    "partition": {
      "type": "integer",
      "minimum": 0
    },
    "offset": {
      "type": "integer",
      "minimum": 0
    }
  }
} as const;

/** schemas/api/memory-history.schema.json: urn:memfabric:schema:api:memory-history:v1 */
export const memoryHistorySchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:memory-history:v1",
  "title": "MemoryHistory",
  "description": "Answer of `GET /v1/tenants/{tenant}/memories/{id}/history`: every event that created, corrected, retracted, rolled back or erased a memory, oldest first, as versions with diffs.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "tenantid",
    "unitId",
    "units",
    "current",
    "versions",
    "rejected",
    "throughOffset"
  ],
  "properties": {
    "tenantid": {
      "type": "string"
    },
    "unitId": {
      "type": "string",
      "description": "The unit id asked for."
    },
    "units": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "description": "Every unit of the memory's supersession chain, oldest first."
    },
    "current": {
      "$ref": "#/$defs/snapshot",
      "description": "The memory after the last event read."
    },
    "versions": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/version"
      }
    },
    "rejected": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/rejected"
      },
      "description": "Events aimed at the memory that the memory-unit rules refused (they made no version)."
    },
    "throughOffset": {
      "type": [
        "integer",
        "null"
      ],
      "minimum": 0,
      "description": "Offset of the last event read: the history is complete up to this position."
    }
  },
  "$defs": {
    "snapshot": {
      "title": "MemorySnapshot",
      "description": "The memory as one version shows it: its current unit (the head of the supersession chain) and that unit's fields. Content fields are null once erased.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "unitId",
        "status",
        "text",
        "memorytype",
        "memoryid",
        "attributes",
        "confidence",
        "validfrom",
        "validto",
        "speaker",
        "sourceref",
        "rolledBackBy"
      ],
      "properties": {
        "unitId": {
          "type": "string"
        },
        "status": {
          "enum": [
            "active",
            "superseded",
            "retracted",
            "rolled_back",
            "erased"
          ]
        },
        "text": {
          "type": [
            "string",
            "null"
          ]
        },
        "memorytype": {
          "type": [
            "string",
            "null"
          ]
        },
        "memoryid": {
          "type": [
            "string",
            "null"
          ]
        },
        "attributes": {
          "type": [
            "object",
            "null"
          ]
        },
        "confidence": {
          "type": [
            "number",
            "null"
          ]
        },
        "validfrom": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time"
        },
        "validto": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time"
        },
        "speaker": {
          "type": [
            "string",
            "null"
          ]
        },
        "sourceref": {
          "type": [
            "string",
            "null"
          ]
        },
        "rolledBackBy": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Ids of the rollbacks holding the current unit (applied, not reverted)."
        }
      }
    },
    "version": {
      "title": "MemoryVersion",
      "description": "One version of a memory: the event that made it and the memory after it.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "version",
        "eventId",
        "type",
        "change",
        "position",
        "recordedAt",
        "time",
        "actor",
        "unitIds",
        "status",
        "text",
        "state",
        "diff"
      ],
      "properties": {
        "version": {
          "type": "integer",
          "minimum": 1,
          "description": "1-based version number."
        },
        "eventId": {
          "type": "string"
        },
        "type": {
          "type": "string",
          "description": "Event type (`memory.corrected`, `rollback.applied`, ...)."
        },
        "change": {
          "enum": [
            "created",
            "corrected",
            "retracted",
            "rolled_back",
            "rollback_reverted",
            "erased"
          ],
          "description": "What the event did to the memory."
        },
        "position": {
          "$ref": "urn:memfabric:schema:api:log-position:v1"
        },
        "recordedAt": {
          "type": "string",
          "format": "date-time",
          "description": "Transaction time of the event."
        },
        "time": {
          "type": "string",
          "format": "date-time",
          "description": "World time of the event."
        },
        "actor": {
          "type": "string",
          "description": "Who wrote the event."
        },
        "unitIds": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Units of the memory the event changed or created."
        },
        "status": {
          "enum": [
            "active",
            "superseded",
            "retracted",
            "rolled_back",
            "erased"
          ]
        },
        "text": {
          "type": [
            "string",
            "null"
          ]
        },
        "state": {
          "$ref": "#/$defs/snapshot"
        },
        "diff": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/change"
          },
          "description": "Fields that differ from the previous version (every non-null field for version 1)."
        }
      }
    },
    "change": {
      "title": "FieldChange",
      "description": "One field that differs between consecutive versions.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "field",
        "before",
        "after"
      ],
      "properties": {
        "field": {
          "type": "string"
        },
        "before": {},
        "after": {}
      }
    },
    "rejected": {
      "title": "RejectedChange",
      "description": "An event aimed at the memory that the memory-unit rules refused.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "eventId",
        "type",
        "position",
        "recordedAt",
        "reason"
      ],
      "properties": {
        "eventId": {
          "type": "string"
        },
        "type": {
          "type": "string"
        },
        "position": {
          "$ref": "urn:memfabric:schema:api:log-position:v1"
        },
        "recordedAt": {
          "type": "string",
          "format": "date-time"
        },
        "reason": {
          "type": "string"
        }
      }
    }
  }
} as const;

/** schemas/api/point-in-time-state.schema.json: urn:memfabric:schema:api:point-in-time-state:v1 */
export const pointInTimeStateSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:point-in-time-state:v1",
  "title": "PointInTimeState",
  "description": "Answer of `GET /v1/tenants/{tenant}/state`: the memory units and facts of a tenant as they stood at a log position or transaction time, folded from the log (never the live projections).",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "tenantid",
    "streamid",
    "position",
    "recordedAt",
    "requested",
    "eventsRead",
    "units",
    "counts",
    "rollbacks",
    "entities",
    "facts"
  ],
  "properties": {
    "tenantid": {
      "type": "string"
    },
    "streamid": {
      "type": [
        "string",
        "null"
      ],
      "description": "The stream asked for, else null."
    },
    "position": {
      "type": [
        "integer",
        "null"
      ],
      "minimum": 0,
      "description": "Offset of the last event of the tenant applied (null: the tenant had no event yet)."
    },
    "recordedAt": {
      "type": [
        "string",
        "null"
      ],
      "format": "date-time",
      "description": "Transaction time of that event."
    },
    "requested": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "position",
        "at"
      ],
      "description": "The requested point, echoed.",
      "properties": {
        "position": {
          "type": [
            "integer",
            "null"
          ]
        },
        "at": {
          "type": [
            "string",
            "null"
          ]
        }
      }
    },
    "eventsRead": {
      "type": "integer",
      "minimum": 0,
      "description": "Events of the tenant folded."
    },
    "units": {
      "type": "array",
      "items": {
        "type": "object",
        "description": "A memory unit as the memory-unit read model holds it."
      },
      "description": "Memory units visible at the point, by creating position (superseded, retracted and rolled-back units are absent; erased units stay, without content)."
    },
    "counts": {
      "type": "object",
      "additionalProperties": {
        "type": "integer",
        "minimum": 0
      },
      "description": "Every unit known at the point by the status it had then (`total`, `active`, `superseded`, ...)."
    },
    "rollbacks": {
      "type": "array",
      "description": "Rollbacks applied and not reverted at the point.",
      "items": {
        "title": "RollbackInForce",
        "type": "object",
        "additionalProperties": false,
        "required": [
          "id",
          "offset",
          "unitIds"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Id of the `rollback.applied` event."
          },
          "offset": {
            "type": "integer",
            "minimum": 0
          },
          "unitIds": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      }
    },
    "entities": {
      "type": "array",
      "items": {
        "type": "object"
      },
      "description": "Entities of the tenant's knowledge graph at the point."
    },
    "facts": {
      "type": "array",
      "items": {
        "type": "object"
      },
      "description": "Facts known at the point, invalidated ones included."
    }
  }
} as const;

/** schemas/api/problem-details.schema.json: urn:memfabric:schema:api:problem-details:v1 */
export const problemDetailsSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:problem-details:v1",
  "title": "ProblemDetails",
  "description": "An error response (RFC 9457 problem details, media type application/problem+json) with memfabric's extension members `code`, `retriable` and, for validation failures, `errors`.",
  "type": "object",
  "required": [
    "type",
    "title",
    "status",
    "code",
    "retriable"
  ],
  "properties": {
    "type": {
      "type": "string",
      "format": "uri",
      "description": "Problem type URI: `urn:memfabric:problem:<code>`."
    },
    "title": {
      "type": "string",
      "description": "Short summary of the problem type; the same for every occurrence of a type."
    },
    "status": {
      "type": "integer",
      "minimum": 400,
      "maximum": 599,
      "description": "HTTP status code of this occurrence."
    },
    "detail": {
      "type": "string",
      "description": "What went wrong in this occurrence, in words."
    },
    "instance": {
      "type": "string",
      "format": "uri-reference",
      "description": "Path of the request that failed."
    },
    "code": {
      "type": "string",
      "pattern": "^[a-z][a-z0-9_]*$",
      "description": "Stable machine-readable error code, safe to switch on (for example `validation_failed`, `payload_too_large`, `not_found`, `idempotency_conflict`, `unavailable`, `internal`)."
    },
    "retriable": {
      "type": "boolean",
      "description": "True when the same request may succeed if retried later unchanged."
    },
    "errors": {
      "type": "array",
      "description": "Every bad field, for `validation_failed`. Pointers into the body are JSON Pointers (RFC 6901) relative to the body (`/0/data/content`); parameters are addressed as `/path/<name>`, `/query/<name>` or `/header/<name>`.",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "pointer",
          "detail"
        ],
        "properties": {
          "pointer": {
            "type": "string"
          },
          "detail": {
            "type": "string"
          }
        }
      }
    }
  }
} as const;

/** schemas/api/recall-request.schema.json: urn:memfabric:schema:api:recall-request:v1 */
export const recallRequestSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:recall-request:v1",
  "title": "RecallRequest",
  "description": "Body of `POST /v1/recall`: one query over every retrieval channel, fused into one ranked list of memory units. Times are RFC 3339 instants, durations milliseconds. Unknown fields are refused.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "query",
    "scope"
  ],
  "properties": {
    "query": {
      "type": "string",
      "minLength": 1,
      "maxLength": 2000,
      "description": "Query text, 1 to 2000 characters (UTF-16 code units), not only whitespace."
    },
    "scope": {
      "$ref": "#/$defs/scope"
    },
    "k": {
      "type": "integer",
      "minimum": 1,
      "maximum": 100,
      "default": 10,
      "description": "Hits wanted."
    },
    "asOf": {
      "$ref": "#/$defs/asOf"
    },
    "validAt": {
      "type": "string",
      "format": "date-time",
      "description": "World time: only what was true then (units whose world time is at or before it, facts valid then)."
    },
    "referenceTime": {
      "type": "string",
      "format": "date-time",
      "description": "Reference time against which the query's time expressions (\"last week\", \"in May\") resolve; default now."
    },
    "consistencyToken": {
      "type": "string",
      "maxLength": 4096,
      "description": "A consistency token a write returned (`mf1.…`): wait until every channel's projection has reached it."
    },
    "consistencyTimeoutMs": {
      "type": "integer",
      "minimum": 0,
      "maximum": 30000,
      "default": 2000,
      "description": "How long to wait for the consistency token, ms."
    },
    "preset": {
      "type": "string",
      "minLength": 1,
      "maxLength": 64,
      "default": "hybrid-rrf",
      "description": "Name of a fusion preset (`GET /v1/recall/presets` lists them); an unknown name answers 404."
    },
    "weights": {
      "$ref": "#/$defs/weights"
    },
    "mmrLambda": {
      "type": [
        "number",
        "null"
      ],
      "minimum": 0,
      "maximum": 1,
      "description": "MMR trade-off λ overriding the preset's (1 = relevance only); null disables MMR."
    },
    "caller": {
      "type": "string",
      "minLength": 1,
      "maxLength": 256,
      "default": "anonymous",
      "description": "Who asks (agent, user or service principal), recorded in the query log as a label after the authenticated principal."
    }
  },
  "$defs": {
    "scope": {
      "title": "RecallScope",
      "description": "Who may see what: a recall reads exactly one tenant, optionally narrowed. `agents` and `actors` are combined: a unit matches when its actor is in either list.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "tenant"
      ],
      "properties": {
        "tenant": {
          "$ref": "urn:memfabric:schema:envelope:v1#/$defs/tenantId"
        },
        "agents": {
          "$ref": "#/$defs/scopeValues",
          "description": "Agents whose memory to search. An agent is the `actor` that wrote an event, so this narrows like `actors`."
        },
        "streams": {
          "$ref": "#/$defs/scopeValues",
          "description": "Only these streams (agent sessions / conversations)."
        },
        "actors": {
          "$ref": "#/$defs/scopeValues",
          "description": "Only units written by these actors."
        }
      }
    },
    "scopeValues": {
      "type": "array",
      "minItems": 1,
      "maxItems": 100,
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 256
      }
    },
    "asOf": {
      "title": "AsOfInput",
      "description": "Transaction time: recall as the fabric knew things then. Exactly one of `position` (a log offset of the embedded log's single partition, inclusive) and `time` (resolved to the last event recorded at or before it).",
      "type": "object",
      "additionalProperties": false,
      "minProperties": 1,
      "maxProperties": 1,
      "properties": {
        "position": {
          "type": "integer",
          "minimum": 0,
          "description": "Log offset, inclusive."
        },
        "time": {
          "type": "string",
          "format": "date-time",
          "description": "Transaction time."
        }
      }
    },
    "weights": {
      "title": "ChannelWeights",
      "description": "Per-channel weights of the weighted RRF, overriding the preset's, keyed by channel name (built in: dense, lexical, graph, temporal, recency, context, speaker, session-spread; an engine built with more channels knows their names too). A channel with weight 0 does not run.",
      "type": "object",
      "additionalProperties": {
        "type": "number",
        "minimum": 0,
        "maximum": 100
      }
    }
  }
} as const;

/** schemas/api/recall-response.schema.json: urn:memfabric:schema:api:recall-response:v1 */
export const recallResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:recall-response:v1",
  "title": "RecallResponse",
  "description": "Answer of `POST /v1/recall`: the hits, best first, each explained; the preset and weights used; whether the consistency token held; the time bounds applied; the latency.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "hits",
    "preset",
    "weights",
    "consistency",
    "asOfPosition",
    "validAt",
    "timeExpressions",
    "timings",
    "queryId"
  ],
  "properties": {
    "hits": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/hit"
      }
    },
    "preset": {
      "type": "string",
      "description": "Preset used."
    },
    "weights": {
      "type": "object",
      "description": "The effective channel weights (the preset's, overridden by the request's).",
      "additionalProperties": {
        "type": "number",
        "minimum": 0
      }
    },
    "consistency": {
      "$ref": "#/$defs/consistency"
    },
    "asOfPosition": {
      "type": [
        "integer",
        "null"
      ],
      "minimum": -1,
      "description": "The transaction-time bound applied, as a log offset (inclusive), when `asOf` was given (-1: before the first event, nothing is visible); else null."
    },
    "validAt": {
      "type": [
        "string",
        "null"
      ],
      "format": "date-time",
      "description": "The world-time bound applied, when `validAt` was given."
    },
    "timeExpressions": {
      "type": "array",
      "description": "Time expressions of the query (temporal channel) and the windows they resolved to.",
      "items": {
        "$ref": "#/$defs/timeExpression"
      }
    },
    "timings": {
      "title": "RecallTimings",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "totalMs",
        "channels"
      ],
      "description": "Latency, ms: total and per channel that ran.",
      "properties": {
        "totalMs": {
          "type": "number",
          "minimum": 0
        },
        "channels": {
          "type": "object",
          "additionalProperties": {
            "type": "number",
            "minimum": 0
          }
        }
      }
    },
    "queryId": {
      "type": "string",
      "minLength": 1,
      "description": "Id of the query-log row of this recall (the read audit)."
    }
  },
  "$defs": {
    "hit": {
      "title": "RecallHit",
      "description": "One recalled memory unit.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "rank",
        "unitId",
        "text",
        "tenant",
        "stream",
        "actor",
        "speaker",
        "memoryType",
        "time",
        "validFrom",
        "validTo",
        "recordedAt",
        "position",
        "sourceRef",
        "score",
        "explain"
      ],
      "properties": {
        "rank": {
          "type": "integer",
          "minimum": 1,
          "description": "1-based rank in the answer."
        },
        "unitId": {
          "type": "string",
          "format": "uuid",
          "description": "Memory unit id (the id of the event that created it)."
        },
        "text": {
          "type": "string"
        },
        "tenant": {
          "type": "string"
        },
        "stream": {
          "type": "string"
        },
        "actor": {
          "type": "string"
        },
        "speaker": {
          "type": [
            "string",
            "null"
          ],
          "description": "Display name of the speaker, when the event named one."
        },
        "memoryType": {
          "type": [
            "string",
            "null"
          ],
          "description": "`interaction` or the asserted memory type."
        },
        "time": {
          "type": "string",
          "format": "date-time",
          "description": "World time of the unit."
        },
        "validFrom": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time",
          "description": "Validity interval of an asserted memory, else null."
        },
        "validTo": {
          "type": [
            "string",
            "null"
          ],
          "format": "date-time"
        },
        "recordedAt": {
          "type": "string",
          "format": "date-time",
          "description": "Transaction time."
        },
        "position": {
          "$ref": "urn:memfabric:schema:api:log-position:v1",
          "description": "Log position of the creating event."
        },
        "sourceRef": {
          "type": [
            "string",
            "null"
          ],
          "description": "Reference in the source system (`data.sourceref`, else the event subject)."
        },
        "score": {
          "type": "number",
          "description": "Fused score: the weighted RRF sum (larger is better)."
        },
        "explain": {
          "$ref": "#/$defs/explain"
        }
      }
    },
    "explain": {
      "title": "RecallExplain",
      "description": "Why a hit is where it is.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "channels",
        "events"
      ],
      "properties": {
        "channels": {
          "type": "object",
          "description": "Every channel that ranked the hit, by name.",
          "additionalProperties": {
            "$ref": "#/$defs/evidence"
          }
        },
        "entities": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Graph channel: the entities of the query that led here (display names)."
        },
        "expandedFrom": {
          "type": "string",
          "description": "Context channel or lexical propagation: the unit whose neighbour this hit is, when no channel found the hit by its own content."
        },
        "events": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Ids of the events the hit derives from: the creating event, the correction chain, the `facts.extracted` events used."
        },
        "fusedRank": {
          "type": "integer",
          "minimum": 1,
          "description": "MMR: the fused rank before diversification, when MMR reordered the list."
        }
      }
    },
    "evidence": {
      "title": "ChannelEvidence",
      "description": "How one channel ranked a hit.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "rank",
        "score",
        "weight",
        "contribution"
      ],
      "properties": {
        "rank": {
          "type": "integer",
          "minimum": 1,
          "description": "1-based rank in that channel's list."
        },
        "score": {
          "type": "number",
          "description": "The channel's own score (cosine, BM25, graph weight, ...); comparable within one channel and query only."
        },
        "weight": {
          "type": "number",
          "description": "The channel's weight in the fusion."
        },
        "contribution": {
          "type": "number",
          "description": "What this channel contributed to the fused score: `weight / (rrfK + rank)`."
        }
      }
    },
    "consistency": {
      "title": "ConsistencyReport",
      "description": "What the consistency token asked for and whether it held.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "requested",
        "reached",
        "waitedMs",
        "behind"
      ],
      "properties": {
        "requested": {
          "type": "boolean",
          "description": "The token was given."
        },
        "reached": {
          "type": "boolean",
          "description": "Every projection used had reached the token's position before the channels ran."
        },
        "waitedMs": {
          "type": "number",
          "minimum": 0,
          "description": "How long the recall waited, ms."
        },
        "behind": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Projections still behind when the wait ended (empty when reached)."
        }
      }
    },
    "timeExpression": {
      "title": "ResolvedTimeExpression",
      "description": "A time expression found in the query and the world-time window it resolved to.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "text",
        "from",
        "to"
      ],
      "properties": {
        "text": {
          "type": "string"
        },
        "from": {
          "type": "string",
          "format": "date-time",
          "description": "Inclusive start."
        },
        "to": {
          "type": "string",
          "format": "date-time",
          "description": "Exclusive end."
        }
      }
    }
  }
} as const;

/** schemas/api/rollback-request.schema.json: urn:memfabric:schema:api:rollback-request:v1 */
export const rollbackRequestSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:rollback-request:v1",
  "title": "RollbackRequest",
  "description": "Body of `POST /v1/tenants/{tenant}/rollbacks`: which memory units to hide from recall, and why. The body may be absent (an empty filter covers the whole tenant). Unknown fields are refused.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "filter": {
      "title": "RollbackRequestFilter",
      "type": "object",
      "additionalProperties": false,
      "description": "Which units to hide: those whose creating event matches every field given. The tenant comes from the path (`tenantid` may repeat it). World time [`from`, `to`).",
      "properties": {
        "tenantid": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/tenantid"
        },
        "actor": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/actor"
        },
        "streamid": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/streamid"
        },
        "from": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/from"
        },
        "to": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/to"
        },
        "batchid": {
          "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter/properties/batchid",
          "description": "The ingest batch id (`memfabric-batch-id` of the append)."
        }
      }
    },
    "reason": {
      "type": "string",
      "maxLength": 2048,
      "description": "Why; recorded in `rollback.applied`."
    },
    "dryRun": {
      "type": "boolean",
      "default": false,
      "description": "List what would disappear from recall without appending anything (also `?dryRun=true`)."
    }
  }
} as const;

/** schemas/api/rollback-response.schema.json: urn:memfabric:schema:api:rollback-response:v1 */
export const rollbackResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:rollback-response:v1",
  "title": "RollbackResponse",
  "description": "Answer of `POST /v1/tenants/{tenant}/rollbacks`: what the rollback hid (200 on a dry run: what it would hide; 201 when applied).",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "dryRun",
    "filter",
    "uptoposition",
    "units",
    "ids"
  ],
  "properties": {
    "dryRun": {
      "type": "boolean"
    },
    "rollbackId": {
      "type": "string",
      "format": "uuid",
      "description": "Id of the `rollback.applied` event (revert it with `POST /v1/rollbacks/{id}/revert`); absent on a dry run."
    },
    "position": {
      "$ref": "urn:memfabric:schema:api:log-position:v1",
      "description": "Where the `rollback.applied` event is stored; absent on a dry run."
    },
    "filter": {
      "$ref": "urn:memfabric:schema:rollback.applied:v1#/properties/filter",
      "description": "The filter as recorded, with the tenant of the path."
    },
    "uptoposition": {
      "type": "integer",
      "minimum": -1,
      "description": "Highest log offset covered (-1: the log was empty)."
    },
    "units": {
      "type": "integer",
      "minimum": 0,
      "description": "Number of memory units that disappear from recall."
    },
    "ids": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "description": "Their ids, in log order."
    }
  }
} as const;

/** schemas/api/rollback-revert-request.schema.json: urn:memfabric:schema:api:rollback-revert-request:v1 */
export const rollbackRevertRequestSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:rollback-revert-request:v1",
  "title": "RollbackRevertRequest",
  "description": "Body of `POST /v1/rollbacks/{id}/revert` (may be absent). Unknown fields are refused.",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "reason": {
      "type": "string",
      "maxLength": 2048,
      "description": "Why; recorded in `rollback.reverted`."
    }
  }
} as const;

/** schemas/api/rollback-revert-response.schema.json: urn:memfabric:schema:api:rollback-revert-response:v1 */
export const rollbackRevertResponseSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:rollback-revert-response:v1",
  "title": "RollbackRevertResponse",
  "description": "Answer of `POST /v1/rollbacks/{id}/revert`: the units the rollback hid count again.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "rollbackId",
    "revertEventId",
    "alreadyReverted"
  ],
  "properties": {
    "rollbackId": {
      "type": "string",
      "description": "Id of the `rollback.applied` event."
    },
    "revertEventId": {
      "type": "string",
      "description": "Id of the `rollback.reverted` event (the earlier one when already reverted)."
    },
    "alreadyReverted": {
      "type": "boolean",
      "description": "True when the rollback had been reverted before (nothing appended)."
    }
  }
} as const;

/** schemas/api/stream-page.schema.json: urn:memfabric:schema:api:stream-page:v1 */
export const streamPageSchema = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:memfabric:schema:api:stream-page:v1",
  "title": "StreamPage",
  "description": "One page of a stream's events in stream order.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "events"
  ],
  "properties": {
    "events": {
      "type": "array",
      "items": {
        "$ref": "urn:memfabric:schema:stored-event:v1"
      }
    },
    "next": {
      "type": "integer",
      "minimum": 1,
      "description": "Stream position to pass as `from` for the next page; absent when this page reaches the end of the stream."
    }
  }
} as const;

/** Every API schema by its title (the OpenAPI component name). */
export const apiSchemas = {
  AppendResponse: appendResponseSchema,
  EntityHistory: entityHistorySchema,
  ErasureRequest: erasureRequestSchema,
  ErasureResponse: erasureResponseSchema,
  EventBatch: eventBatchSchema,
  ExportResponse: exportResponseSchema,
  HealthStatus: healthStatusSchema,
  LogPosition: logPositionSchema,
  MemoryHistory: memoryHistorySchema,
  PointInTimeState: pointInTimeStateSchema,
  ProblemDetails: problemDetailsSchema,
  RecallRequest: recallRequestSchema,
  RecallResponse: recallResponseSchema,
  RollbackRequest: rollbackRequestSchema,
  RollbackResponse: rollbackResponseSchema,
  RollbackRevertRequest: rollbackRevertRequestSchema,
  RollbackRevertResponse: rollbackRevertResponseSchema,
  StreamPage: streamPageSchema,
} as const;
