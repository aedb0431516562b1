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
const { join } = require('node:path');
const { Script } = require('node:vm');

const CLI_DIR = join(__dirname, '..', 'dist', 'cli');
const BUNDLE = join(CLI_DIR, 'dify-chart.cjs');
const CODE_CACHE = join(CLI_DIR, 'dify-chart.cache');

/** The CommonJS wrapper; identical at cache creation and use, or V8 rejects the cache. */
function wrap(source) {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** `{ main, script }`, or undefined when there is no bundle. `cache: 'none'` compiles from source. */
function loadBundle(cache = 'use') {
  if (!existsSync(BUNDLE)) return undefined;
  // The bundle is ASCII (the build checks), so latin1 decodes it exactly and faster than UTF-8.
  const source = readFileSync(BUNDLE, 'latin1');
  const cachedData = cache === 'use' && existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  const script = new Script(wrap(source), { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, CLI_DIR);
  return module.exports.main ? { main: module.exports.main, script } : undefined;
}

module.exports = { BUNDLE, CODE_CACHE, loadBundle };
