/**
 * bin/dify-chart runs its JavaScript through V8 code caches made at build time: the CLI bundle
 * at start, the values validator when values are invalid. V8 rejects a cache made under other
 * flags, so nothing may change V8's flags before a cache is read (a flag change after loading
 * the bundle made every invalid-values render compile the 2.5 MB validator from source: about
 * 290 ms instead of 115 ms). A preloaded hook records whether V8 took each cache.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../cli/run.js';
import { spawnSync } from 'node:child_process';

const HOOK = `
const vm = require('node:vm');
const Original = vm.Script;
const seen = [];
vm.Script = class extends Original {
  constructor(code, opts) {
    super(code, opts);
    if (opts && opts.cachedData) seen.push(require('node:path').basename(opts.filename) + ': ' + (this.cachedDataRejected ? 'rejected' : 'accepted'));
  }
};
process.on('exit', () => process.stderr.write(seen.map((s) => 'cache ' + s + '\\n').join('')));
`;

describe('the CLI reads its V8 code caches', () => {
  it('both the bundle and the values validator cache are accepted on a render with invalid values', () => {
    const hook = join(tempDir('dify-cache-'), 'hook.cjs');
    writeFileSync(hook, HOOK);
    const r = spawnSync(process.execPath, ['--require', hook, BIN, 'render', '--set', 'api.replicaCount=two'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const caches = r.stderr.split('\n').filter((l) => l.startsWith('cache '));
    expect(caches).toEqual(['cache dify-chart.cjs: accepted', 'cache values-validator.cjs: accepted']);
  });
});
