/**
 * Test-only workaround, imported before anything loads Express.
 *
 * The root vitest config lists `import` and `module` among `resolve.conditions`, and vitest
 * passes them to the worker processes as `node --conditions import --conditions module`. Node
 * then resolves `require('is-promise')` inside Express 5's router to `is-promise/index.mjs`, whose
 * `require()` yields a module namespace instead of the function, so every route fails with
 * "isPromise is not a function". Outside vitest (tsx, node) nothing is wrong.
 *
 * This primes the CommonJS cache under the path Node resolves to with the package's CommonJS
 * build. It does nothing when the conditions are not set. Remove it once the root config stops
 * passing `import`/`module` to Node.
 */
import Module, { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const routerRequire = createRequire(createRequire(require.resolve('express')).resolve('router'));
const resolved = routerRequire.resolve('is-promise');
if (resolved.endsWith('.mjs') && require.cache[resolved] === undefined) {
  const commonjs = path.join(path.dirname(resolved), 'index.js');
  const primed = new Module(resolved);
  primed.filename = resolved;
  primed.exports = routerRequire(commonjs) as unknown;
  primed.loaded = true;
  require.cache[resolved] = primed;
}
