/**
 * bin/dify-chart runs under Node's own compile cache (module.enableCompileCache): the first run
 * writes the compiled CLI to the cache folder (NODE_COMPILE_CACHE, else Node's default in the
 * temporary folder), later runs read it back. No hand-made V8 cache and no V8 flag is involved,
 * so a cache from another Node is simply ignored by Node.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, PINNED, tempDir } from '../cli/run.js';
import { exec } from '../support/exec.js';

/** Every file under a folder, relative. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

describe('the CLI uses Node\'s compile cache', () => {
  it('a first run fills the cache folder with the compiled bundle; a second run prints the same bytes from it', async () => {
    const cache = tempDir('dify-compile-cache-');
    const env = { ...process.env, NODE_COMPILE_CACHE: cache };
    const first = await exec(BIN, ['render', '-f', PINNED], { env });
    expect(first.status, first.stderr).toBe(0);
    const cached = files(cache);
    expect(cached.length).toBeGreaterThan(0);
    const second = await exec(BIN, ['render', '-f', PINNED], { env });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout === first.stdout).toBe(true);
    // Invalid values load the full values validator, a second module under the same cache.
    const invalid = await exec(BIN, ['render', '--set', 'api.replicaCount=two'], { env });
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/^Error: values\.api\.replicaCount: expected integer/);
    expect(files(cache).length).toBeGreaterThan(cached.length);
  });
});
