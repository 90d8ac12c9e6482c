import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generate, outFile } from '../scripts/generate-api-types.js';

describe('generated API types', () => {
  it('are up to date with schemas/api (run npm run generate:api-types -w @memfabric/client)', async () => {
    expect(await readFile(outFile, 'utf8')).toBe(await generate());
  });
});
