/**
 * Build step (after generate): the CLI as one CommonJS file, then V8's code cache for it taken
 * after a warm-up render, so the functions a render runs are cached compiled too. Lint's
 * Kubernetes models stay outside the bundle: they load only for `dify-chart lint`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { GENERATED_DIR } from './locations.js';
import { BUNDLE, CODE_CACHE, loadBundle } from './bundle-loader.js';

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
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// Warm-up: a render from a values file and a failing one, discarding their output.
const loaded = loadBundle('none');
if (!loaded) throw new Error(`bundle: ${BUNDLE} did not export main`);
const dir = mkdtempSync(join(tmpdir(), 'dify-chart-warm-'));
const values = join(dir, 'values.yaml');
writeFileSync(values, 'api:\n  extraEnv:\n    - name: A\n      value: "b"\ningress:\n  enabled: true\n');
const sink = { out: () => undefined, err: () => undefined };
await loaded.main(['render', 'warm-up', '-f', values, '--set', 'web.replicas=1'], sink);
await loaded.main(['render', '--set', 'nope=1'], sink);
rmSync(dir, { recursive: true, force: true });
writeFileSync(CODE_CACHE, loaded.script.createCachedData());
