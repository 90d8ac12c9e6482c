import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LABELS, PROPERTY_KEYS, READ, RELATIONSHIP_TYPES, SCHEMA, WRITE } from './cypher.js';

/**
 * Offline checks of every Cypher statement, where no Neo4j server runs: Neo4j's own Cypher
 * parser and semantic analysis (`@neo4j-cypher/language-support`, the language server of Neo4j's
 * editors) must report nothing — no syntax error, no undefined variable, no deprecated form, no
 * label, relationship type or property key outside the model — and every pattern must be scoped to
 * the tenant.
 */

interface Diagnostic {
  readonly message: string;
  readonly severity?: number;
}
// the package's ESM build has extension-less imports that Node cannot resolve; its CommonJS build works
const require = createRequire(import.meta.url);
const { lintCypherQuery } = require('@neo4j-cypher/language-support') as {
  lintCypherQuery: (query: string, schema: Record<string, unknown>) => Diagnostic[];
};

const statements: [string, string][] = [
  ...Object.entries(READ).map(([name, q]): [string, string] => [`READ.${name}`, q]),
  ...Object.entries(WRITE).map(([name, q]): [string, string] => [`WRITE.${name}`, q]),
];

function parametersOf(query: string): Record<string, unknown> {
  return Object.fromEntries([...query.matchAll(/\$(\w+)/g)].map((m): [string, null] => [m[1]!, null]));
}

describe('Cypher statements', () => {
  it.each([...SCHEMA.map((q, i): [string, string] => [`SCHEMA[${i}]`, q]), ...statements])('%s passes Neo4j’s Cypher analysis', (_name, query) => {
    const diagnostics = lintCypherQuery(query, {
      labels: [...LABELS],
      relationshipTypes: [...RELATIONSHIP_TYPES],
      propertyKeys: [...PROPERTY_KEYS],
      parameters: parametersOf(query),
    });
    expect(diagnostics.map((d) => d.message)).toEqual([]);
  }, 60_000);

  it.each(statements)('%s takes the tenant as a parameter and scopes every labelled pattern to it', (_name, query) => {
    expect(query).toContain('$tenant');
    const nodes = [...query.matchAll(/\((\w*):(\w+)\s*(\{[^}]*\})?\)/g)];
    const rels = [...query.matchAll(/\[(\w*):([\w|]+)\s*(\{[^}]*\})?\]/g)];
    expect(nodes.length + rels.length).toBeGreaterThan(0);
    for (const match of [...nodes, ...rels]) expect(match[3] ?? '', `${match[0]} in ${_name}`).toContain('tenant: $tenant');
  });

  it.each(statements)('%s uses only property keys of the model', (_name, query) => {
    const keys = new Set<string>(PROPERTY_KEYS);
    // `{.*}` projections aside: `var.key` accesses and `{key: …}` map keys
    const used = [
      ...[...query.matchAll(/\b[a-z]\w*\.(\w+)/g)].map((m) => m[1]!),
      ...[...query.matchAll(/[{,]\s*(\w+)\s*:/g)].map((m) => m[1]!),
    ];
    expect(used.filter((key) => !keys.has(key))).toEqual([]);
  });

  it('reports a broken statement (the check is live)', () => {
    const schema = { labels: [...LABELS], relationshipTypes: [...RELATIONSHIP_TYPES], parameters: { tenant: null } };
    expect(lintCypherQuery('MATCH (n:Entity {tenant: $tenant) RETURN m', schema).length).toBeGreaterThan(0);
    expect(lintCypherQuery('MATCH (n:Entitty {tenant: $tenant}) RETURN n', schema).length).toBeGreaterThan(0);
    expect(lintCypherQuery('MATCH ()-[r:RELATE_TO {tenant: $tenant}]->() RETURN r', schema).length).toBeGreaterThan(0);
  }, 60_000);
});
