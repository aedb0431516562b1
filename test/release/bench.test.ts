/**
 * `npm run bench` keeps working: a tiny run (one sample per command, few warm renders, small
 * scaling sizes) prints every row with a number in it. It times nothing and asserts no speed;
 * the figures are for the README, measured by a full run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');

// The peak-memory figure comes from GNU time (Debian package `time`, which .ci/run installs).
const haveTime = existsSync('/usr/bin/time');

describe('npm run bench', () => {
  it.skipIf(!haveTime && process.env.CI !== 'true')('runs and reports every measurement', async () => {
    expect(haveTime, '/usr/bin/time (Debian package time) is needed for the peak-memory figure').toBe(true);
    const r = await exec(process.execPath, [join(ROOT, 'bench', 'run.mjs')], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RUNS: '1', BENCH_WARM: '5', BENCH_SIZES: '10,20' },
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const number = String.raw`\d+(\.\d+)?`;
    expect(r.stdout).toMatch(new RegExp(String.raw`\| \`node -e 0\`[^|]*\| ${number} \|`));
    expect(r.stdout).toMatch(new RegExp(String.raw`\| \`dify-chart render\` \(cold, full chart\) \| ${number} \|`));
    expect(r.stdout).toMatch(new RegExp(String.raw`\| \`dify-chart package\` \(cold\) \| ${number} \|`));
    expect(r.stdout).toMatch(new RegExp(String.raw`Warm in-process render, library API \(values file \+ render \+ text, full chart\): ${number} ms each`));
    expect(r.stdout).toMatch(new RegExp(String.raw`render only\): ${number} ms each`));
    expect(r.stdout).toMatch(new RegExp(String.raw`values distinct per render \([^)]*\): ${number} ms each`));
    expect(r.stdout).toMatch(new RegExp(String.raw`Warm in-process renders through createRendererPool \(\d+ worker threads[^)]*\): \d+ renders/s`));
    expect(r.stdout).toMatch(new RegExp(String.raw`Peak memory of a cold render: ${number} MiB`));
    for (const series of ['extraEnv entries', 'routes', 'ingress hosts']) expect(r.stdout).toContain(`- ${series}: 10: `);
    expect(r.stdout).not.toContain('error (');
  }, 180_000);
});

describe('npm run bench:ab', () => {
  it('times this build against another checkout, block by block (here against itself, briefly)', async () => {
    const r = await exec(process.execPath, [join(ROOT, 'bench', 'ab.mjs'), ROOT], {
      cwd: ROOT,
      env: { ...process.env, BENCH_ROUNDS: '2', BENCH_WARM: '3', BENCH_BLOCK: '2' },
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/: median \d+\.\d+ ms, best \d+\.\d+ ms per render/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/this build \/ other: median ratio of the blocks \d+\.\d+ \(2 blocks of 2 renders each\)/);
  }, 180_000);

  it('says how to call it when no other checkout is given', async () => {
    const r = await exec(process.execPath, [join(ROOT, 'bench', 'ab.mjs')], { cwd: ROOT, timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: node bench\/ab\.mjs OTHER_CHECKOUT/);
  });
});
