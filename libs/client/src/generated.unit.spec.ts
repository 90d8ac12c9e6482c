import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderWireCopies } from '../scripts/generate-wire.js';

const generated = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generated');

describe('src/generated (the copies the published client carries instead of engine packages)', () => {
  it('matches the wire types, API schemas and errors it is copied from (run scripts/generate-wire.ts when this fails)', async () => {
    for (const [file, text] of await renderWireCopies()) expect(await readFile(path.join(generated, file), 'utf8'), file).toBe(text);
  });
});
