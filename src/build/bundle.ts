/**
 * Build step (after generate): the CLI as one CommonJS file, then V8's code cache for it taken
 * after a warm-up render, so the functions a render runs are cached compiled too. Lint's
 * Kubernetes models stay outside the bundle: they load only for `dify-chart lint`.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { FIXTURES, GENERATED_DIR, VALIDATOR_CACHE } from './locations.js';
import { createRequire } from 'node:module';

type Main = (argv: string[], io?: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;
interface BundleLoader {
  BUNDLE: string;
  CODE_CACHE: string;
  loadBundle(cache?: 'use' | 'none'): { main: Main; script: import('node:vm').Script } | undefined;
  loadCached(file: string, cacheFile: string, cache?: 'use' | 'none'): { exports: unknown; script: import('node:vm').Script };
}
// The loader bin/dify-chart uses, so the cache is made exactly as it will be read.
const { BUNDLE, CODE_CACHE, loadBundle, loadCached } = createRequire(import.meta.url)('../../bin/bundle-loader.cjs') as BundleLoader;

await build({
  entryPoints: [join(GENERATED_DIR, 'bundle-entry.js')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['kubernetes-models', 'kubernetes-models/*', '@kubernetes-models/*', 'esbuild'],
  // The bundle sits in dist/cli/ like main.js did, so paths derived from import.meta.url hold.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [
    {
      // commander requires child_process at load (only for executable subcommands, which this CLI
      // has none of); with net and dgram behind it that is ~3 ms of every start. Loaded on use instead.
      name: 'lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, () => ({ path: 'child_process', namespace: 'lazy' }));
        b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
          contents: "let m; module.exports = new Proxy({}, { get: (_t, k) => (m ??= require('node:child_process'))[k] });",
          loader: 'js',
        }));
      },
    },
  ],
});

// bin/bundle-loader.cjs reads the bundle as latin1, exact only for ASCII.
if (/[^\x00-\x7f]/.test(readFileSync(BUNDLE, 'latin1'))) throw new Error(`bundle: ${BUNDLE} is not ASCII`);

// Warm-up: renders whose compiled code the cache keeps. Every developer fixture, so that every
// template's function is in the cache (a function first run after start-up would be compiled
// then), plus --set and a failing render for the flag and error paths.
const loaded = loadBundle('none');
if (!loaded) throw new Error(`bundle: ${BUNDLE} did not export main`);
const dir = mkdtempSync(join(tmpdir(), 'dify-chart-warm-'));
const values = join(dir, 'values.yaml');
writeFileSync(values, 'api:\n  extraEnv:\n    - name: A\n      value: "b"\ningress:\n  enabled: true\n');
const sink = { out: () => undefined, err: () => undefined };
const fixtures = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')) : [];
for (const f of fixtures) await loaded.main(['render', 'warm-up', '-f', join(FIXTURES, f)], sink);
// Code run only while the bundle loads may have had its bytecode flushed during those renders;
// a second load of the same source (same functions, by V8's compilation cache) compiles it again.
const again = loadBundle('none');
if (!again) throw new Error(`bundle: ${BUNDLE} did not export main`);
await again.main(['render', 'warm-up', '-f', values, '--set', 'web.replicas=1'], sink);
await again.main(['render', '--set', 'nope=1'], sink);
await again.main(['package', '--destination', dir], sink);
rmSync(dir, { recursive: true, force: true });
writeFileSync(CODE_CACHE, again.script.createCachedData());

// The full values validator (loaded only for values the quick check cannot pass) gets a code
// cache of its own, taken after it has judged valid and invalid values.
const validatorFile = join(GENERATED_DIR, 'values-validator.cjs');
if (/[^\x00-\x7f]/.test(readFileSync(validatorFile, 'latin1'))) throw new Error(`bundle: ${validatorFile} is not ASCII`);
const validator = loadCached(validatorFile, VALIDATOR_CACHE, 'none');
const check = validator.exports as (data: unknown) => boolean;
const chartModule = (await import(pathToFileURL(join(GENERATED_DIR, 'chart.js')).href)) as { defaults: unknown };
check(chartModule.defaults);
check({});
check({ ...(chartModule.defaults as object), nope: 1 });
writeFileSync(VALIDATOR_CACHE, validator.script.createCachedData());
