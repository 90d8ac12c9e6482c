import { isDeepStrictEqual } from 'node:util';
import { ConfigurationError } from '@memfabric/errors';

type Json = Readonly<Record<string, unknown>>;

/** One OpenAPI 3.1 document to merge, and the prefix its clashing component names get. */
export interface OpenApiPart {
  /** Prefix of a component renamed because another part defines the same name differently, e.g. `Query`. */
  readonly prefix: string;
  /** An OpenAPI 3.1 document (any object of that shape). */
  readonly document: object;
}

/** The `info` of the merged document. */
export interface MergedOpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rewrites every `#/components/<section>/<name>` reference found in `renamed`. */
function rewriteRefs(value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, renamed));
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, key === '$ref' && typeof v === 'string' ? (renamed.get(v) ?? v) : rewriteRefs(v, renamed)]),
  );
}

/**
 * Merges the OpenAPI 3.1 documents of several modules served by one app into one document:
 * every path of every part; components (`schemas`, `responses`, `parameters`, `securitySchemes`,
 * ...) united, a name defined identically by several parts kept once, a name defined differently
 * renamed `<prefix><Name>` in the later part, with that part's `$ref`s rewritten. Tags are
 * united by name. `jsonSchemaDialect` is the 2020-12 dialect (the OpenAPI 3.1 default).
 *
 * @param info - title, version and description of the merged document.
 * @param parts - the documents, in the order their paths are listed.
 * @returns a new document; the parts are not modified.
 * @throws ConfigurationError when two parts document the same operation (path and method), or a
 *   part's dialect is not 2020-12.
 */
export function mergeOpenApiDocuments(info: MergedOpenApiInfo, parts: readonly OpenApiPart[]): Json {
  const components: Record<string, Record<string, unknown>> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, unknown>();
  const owner = new Map<string, string>();
  for (const part of parts) {
    const source = part.document as Json;
    const dialect = source['jsonSchemaDialect'];
    if (dialect !== undefined && dialect !== DIALECT) {
      throw new ConfigurationError(`cannot merge the ${part.prefix} OpenAPI document: its jsonSchemaDialect is ${JSON.stringify(dialect)}, not ${DIALECT}`);
    }
    const renamed = new Map<string, string>();
    const own = isRecord(source['components']) ? source['components'] : {};
    for (const [section, entries] of Object.entries(own)) {
      if (!isRecord(entries)) continue;
      const target = (components[section] ??= {});
      for (const [name, definition] of Object.entries(entries)) {
        if (!(name in target) || isDeepStrictEqual(target[name], definition)) continue;
        let unique = `${part.prefix}${name}`;
        for (let n = 2; unique in target || Object.hasOwn(entries, unique); n++) unique = `${part.prefix}${name}${n}`;
        renamed.set(`#/components/${section}/${name}`, `#/components/${section}/${unique}`);
      }
    }
    const document = rewriteRefs(source, renamed) as Json;
    const rewritten = isRecord(document['components']) ? document['components'] : {};
    for (const [section, entries] of Object.entries(rewritten)) {
      if (!isRecord(entries)) continue;
      const target = (components[section] ??= {});
      for (const [name, definition] of Object.entries(entries)) {
        const ref = renamed.get(`#/components/${section}/${name}`);
        target[ref === undefined ? name : ref.slice(`#/components/${section}/`.length)] = definition;
      }
    }
    const ownPaths = isRecord(document['paths']) ? document['paths'] : {};
    for (const [p, item] of Object.entries(ownPaths)) {
      if (!isRecord(item)) continue;
      const merged = (paths[p] ??= {});
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method.toUpperCase()} ${p}`;
        const previous = owner.get(key);
        if (previous !== undefined) throw new ConfigurationError(`${key} is documented by both the ${previous} and the ${part.prefix} OpenAPI documents`);
        owner.set(key, part.prefix);
        merged[method] = operation;
      }
    }
    for (const tag of Array.isArray(document['tags']) ? document['tags'] : []) {
      if (isRecord(tag) && typeof tag['name'] === 'string' && !tags.has(tag['name'])) tags.set(tag['name'], tag);
    }
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: DIALECT,
    info,
    ...(tags.size > 0 ? { tags: [...tags.values()] } : {}),
    paths,
    components,
  };
}

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
