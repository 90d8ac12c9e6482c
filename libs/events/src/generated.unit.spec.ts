import { describe, expect, it } from 'vitest';
import { generate } from '../scripts/generate-types.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('generated types and schemas', () => {
  it('are up to date with schemas/ (run `npm run generate:types` after editing a schema)', async () => {
    const files = await generate();
    for (const [name, content] of files) expect(readFileSync(path.join(here, 'generated', name), 'utf8'), name).toBe(content);
  });
});
