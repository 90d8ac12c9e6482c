import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, outDir } from '../scripts/generate-api-schemas.js';

describe('generated API schemas and types', () => {
  it('are up to date with schemas/api (run npm run generate:api-schemas -w @memfabric/ingest)', async () => {
    for (const [name, content] of await generate()) {
      expect(await readFile(path.join(outDir, name), 'utf8'), name).toBe(content);
    }
  });
});
