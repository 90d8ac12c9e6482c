#!/usr/bin/env node
import { MemfabricError } from '@memfabric/errors';
import { createProgram } from './program.js';

/**
 * `memfabric` entry point. Any error ends the process with exit code 1 and one readable line
 * on stderr (the first problems of a validation error included); nothing already stored is lost.
 */
try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'
      ? `cannot read ${(error as NodeJS.ErrnoException).path ?? 'file'}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'is a directory'}`
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`memfabric: ${message.replace(/\s+/g, ' ')}\n`);
  if (!MemfabricError.is(error) && process.env.MEMFABRIC_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  process.exitCode = 1;
}
