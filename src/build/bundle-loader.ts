/**
 * Start-up of the single-file CLI: dist/cli/dify-chart.cjs compiled through V8's code cache
 * (dist/cli/dify-chart.cache, written at build time after a warm-up render), so a cold run skips
 * parsing and compiling ~3 MB of JavaScript. A cache from another V8 is rejected by V8 itself and
 * the bundle simply compiles as usual.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli');
export const BUNDLE = join(CLI_DIR, 'dify-chart.cjs');
export const CODE_CACHE = join(CLI_DIR, 'dify-chart.cache');

export type Main = (argv: string[], io?: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;

/** The CommonJS wrapper; identical at cache creation and use, or V8 rejects the cache. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

export function loadBundle(cache: 'use' | 'none' = 'use'): { main: Main; script: Script } | undefined {
  if (!existsSync(BUNDLE)) return undefined;
  const source = readFileSync(BUNDLE, 'utf8');
  const cachedData = cache === 'use' && existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  const script = new Script(wrap(source), { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as { main?: Main } };
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn(module.exports, createRequire(BUNDLE), module, BUNDLE, CLI_DIR);
  return module.exports.main ? { main: module.exports.main, script } : undefined;
}
