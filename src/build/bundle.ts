/**
 * Build step (after generate): the CLI as one CommonJS file (bin/dify-chart runs it under Node's
 * compile cache). Lint's Kubernetes models stay outside the bundle: they load only for
 * `dify-chart lint`.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE, GENERATED_DIR } from '../chart/locations.js';

await build({
  entryPoints: [join(GENERATED_DIR, 'bundle-entry.js')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
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

