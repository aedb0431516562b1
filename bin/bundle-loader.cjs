'use strict';
/**
 * Start-up of the single-file CLI: dist/cli/dify-chart.cjs compiled through V8's code cache
 * (dist/cli/dify-chart.cache, written at build time after warm-up renders), so a cold run skips
 * parsing and compiling its JavaScript. A cache from another V8 is rejected by V8 itself and the
 * bundle simply compiles as usual. Plain CommonJS, so `bin/dify-chart` starts Node without its ES
 * module loader; the build (src/build/bundle.ts) uses this same file to make the cache.
 */
const { existsSync, readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const CLI_DIR = join(__dirname, '..', 'dist', 'cli');
const BUNDLE = join(CLI_DIR, 'dify-chart.cjs');
const CODE_CACHE = join(CLI_DIR, 'dify-chart.cache');

/** The CommonJS wrapper; identical at cache creation and use, or V8 rejects the cache. */
function wrap(source) {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/**
 * Runs a CommonJS file through V8's code cache `cacheFile` (unless `cache` is 'none'):
 * `{ exports, script }`, the script for making that cache. The file must be ASCII (the build
 * checks), so latin1 decodes it exactly and faster than UTF-8.
 */
function loadCached(file, cacheFile, cache = 'use') {
  const source = readFileSync(file, 'latin1');
  const cachedData = cache === 'use' && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script };
}

/** `{ main, script }`, or undefined when there is no bundle. `cache: 'none'` compiles from source. */
function loadBundle(cache = 'use') {
  if (!existsSync(BUNDLE)) return undefined;
  const { exports, script } = loadCached(BUNDLE, CODE_CACHE, cache);
  return exports.main ? { main: exports.main, script } : undefined;
}

module.exports = { BUNDLE, CODE_CACHE, loadBundle, loadCached };
