#!/usr/bin/env node
import { MemfabricError } from '@memfabric/errors';
import { errorJson, errorText } from './output.js';
import { createProgram } from './program.js';

/**
 * `memfabric` entry point. Any error ends the process with exit code 1 and one readable line
 * on stderr (with the field problems of a validation error, `pointer detail` each); with
 * `--json` that line is `{"error": {"code", "message", "problems"?}}`. Nothing already stored
 * is lost.
 */
const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const json = program.opts<{ json?: boolean }>().json === true;
  process.stderr.write(json ? `${JSON.stringify(errorJson(error))}\n` : `memfabric: ${errorText(error)}\n`);
  if (!MemfabricError.is(error) && process.env.MEMFABRIC_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  process.exitCode = 1;
}
