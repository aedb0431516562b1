#!/usr/bin/env node
// `npm run bench`: cold render, package, real `helm template` (Helm 3.21.4 and 4.3.2 from
// tools/build.sh) and `node -e 0`, measured side by side (median/min/max wall time; the render and
// the two Helms interleaved, one run of each per round, so that load hits all alike); warm in-process renders per second; the scaling series;
// peak memory. A benchmark, not a test: it prints figures and never fails on them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'dify-chart');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
// BENCH_RUNS, BENCH_WARM and BENCH_SIZES shrink a run (test/release/bench.test.ts checks the script works that way).
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000,10000').split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'dify-bench-'));
const FULL = join(ROOT, 'bench', 'values-full.yaml');

function time(cmd, args, opts = {}) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1] };
}

function peakKiB(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = r.stderr.trim().split('\n').pop();
  return r.status === 0 ? Number(last) : NaN;
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const rows = [];
const row = (name, t, extra = '') => rows.push(`| ${name} | ${fmt(t.median)} | ${fmt(t.min)} | ${fmt(t.max)} | ${extra} |`);

// The CLI runs as an installed command does (bin/dify-chart through its shell lines). Node's
// start-up is measured as given (this environment may set NODE_EXTRA_CA_CERTS, which Node reads
// at every start and the CLI's shell lines drop) and bare, without that variable.
const node0 = time(process.execPath, ['-e', '0']);
const bareEnv = { ...process.env };
delete bareEnv.NODE_EXTRA_CA_CERTS;
const node0bare = time(process.execPath, ['-e', '0'], { env: bareEnv });
const pkg = time(BIN, ['package', '--destination', work]);
const tgz = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? '');

/** Median/min/max of each command, run in rounds of one run each, in turn. */
function interleaved(cmds) {
  const samples = cmds.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    cmds.forEach(([cmd, args], k) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
      samples[k].push(Number(process.hrtime.bigint() - t) / 1e6);
    });
  }
  return samples.map((s) => {
    s.sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
  });
}

// Real Helm (tools/build.sh) on the packaged archive, same values; left out where not built.
const helms = [3, 4]
  .map((major) => ({ major, bin: join(ROOT, 'tools', 'bin', `helm${major}`) }))
  .filter((h) => existsSync(h.bin));
const [render, ...helmT] = interleaved([[BIN, ['render', '-f', FULL]], ...helms.map((h) => [h.bin, ['template', 'release-name', tgz, '-f', FULL]])]);
const helm4T = helmT[helms.findIndex((h) => h.major === 4)];

row(`\`node -e 0\`${process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS set)' : ''}`, node0);
if (process.env.NODE_EXTRA_CA_CERTS) row('`node -e 0` without NODE_EXTRA_CA_CERTS', node0bare);
row(
  '`dify-chart render` (cold, full chart)',
  render,
  `${fmt(render.median / (helm4T?.median ?? NaN))}x Helm 4; node + ${fmt(render.median - node0.median)} ms` +
    (process.env.NODE_EXTRA_CA_CERTS ? `; bare node + ${fmt(render.median - node0bare.median)} ms` : ''),
);
helms.forEach((h, k) => row(`real \`helm template\` ${h.major === 3 ? 'v3.21.4' : 'v4.3.2'} (packaged chart)`, helmT[k]));
row('`dify-chart package` (cold)', pkg);

// Warm, in-process, on one thread (bench/warm.mjs, each figure in a process of its own): the
// library API with the same values file every time and with values of its own per render, then
// the render stage alone on values built once (where the time goes).
const warmFigure = (kind) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'warm.mjs'), kind], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/warm.mjs ${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
};
const sameFig = warmFigure('same');
const distinctFig = warmFigure('distinct');
const renderOnlyFig = warmFigure('renderOnly');
const warmMs = sameFig.median;
const distinctMs = distinctFig.median;
const renderOnlyMs = renderOnlyFig.median;
const bestDistinctMs = distinctFig.best;
const { block, blocks } = distinctFig;
// The scaling series below renders in this process.
const { createRenderer } = await import(join(ROOT, 'dist', 'index.js'));
const renderer = await createRenderer();
let serial = 0;
const warmN = Number(process.env.BENCH_WARM ?? 2000);
// Throughput past one core: a pool of worker threads (one per core), twice as many renders in
// flight as workers.
const { createRendererPool } = await import(join(ROOT, 'dist', 'index.js'));
const pool = await createRendererPool();
const poolRun = async (n) => {
  let left = n;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 2 * pool.size }, async () => {
      while (left-- > 0) await pool.render({ release: `bench-${serial++}`, valueFiles: [FULL] });
    }),
  );
  return (performance.now() - start) / n;
};
// Each worker warmed up and timed over as many renders as the single renderer above.
await poolRun(warmN * pool.size);
const poolMs = await poolRun(warmN * pool.size);
await pool.close();

// Scaling: time per item as the values grow. Each render has values of its own (a --set no other
// render shares), so every render reads, checks and renders its values in full.
const series = [];
for (const [label, make] of [
  ['extraEnv entries', (n) => ({ api: { extraEnv: Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: `v${i}` })) } })],
  ['routes', (n) => ({ routes: [{ path: '/', component: 'web' }, ...Array.from({ length: n - 1 }, (_, i) => ({ path: `/r${i}`, component: 'api' }))] })],
  ['ingress hosts', (n) => ({ ingress: { enabled: true, hosts: Array.from({ length: n }, (_, i) => `h${i}.example.com`) } })],
]) {
  const cells = [];
  for (const n of SIZES.filter((k) => k <= (label === 'ingress hosts' ? 1000 : 10000))) {
    const f = join(work, `scale-${label.replace(/\W/g, '')}-${n}.yaml`);
    writeFileSync(f, JSON.stringify(make(n)));
    const renderFresh = () => renderer.render({ release: `bench-${serial}`, valueFiles: [f], set: [`commonLabels.bench=s${serial++}`] }).text;
    try {
      renderFresh();
      const reps = n >= 10000 ? 2 : n >= 1000 ? 5 : 20;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) renderFresh();
      const ms = (performance.now() - t0) / reps;
      cells.push({ n, ms });
    } catch (e) {
      cells.push({ n, ms: NaN, err: String(e.message).split('\n')[0] });
    }
  }
  series.push({ label, cells });
}

const mem = peakKiB(BIN, ['render', '-f', FULL]);

console.log(`Machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, ${new Date().toISOString()}`);
console.log(`Runs per command: ${RUNS}\n`);
console.log('| command | median ms | min ms | max ms | notes |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
console.log(`\nWarm in-process renders on one thread, each figure in a process of its own (${blocks} blocks of ${block} renders after as many to warm up; the median block):`);
console.log(`Warm in-process render, library API (values file + render + text, full chart): ${warmMs.toFixed(2)} ms each, ${(1000 / warmMs).toFixed(0)} renders/s`);
console.log(`Warm in-process render of values already built (render only): ${renderOnlyMs.toFixed(2)} ms each, ${(1000 / renderOnlyMs).toFixed(0)} renders/s`);
console.log(`Warm in-process render, library API, values distinct per render (a --set that changes every time): ${distinctMs.toFixed(2)} ms each, ${(1000 / distinctMs).toFixed(0)} renders/s (best block ${bestDistinctMs.toFixed(2)} ms, ${(1000 / bestDistinctMs).toFixed(0)}/s)`);
console.log(`Warm in-process renders through createRendererPool (${pool.size} worker threads, library API, as the first line): ${(1000 / poolMs).toFixed(0)} renders/s`);
console.log(`Peak memory of a cold render: ${(mem / 1024).toFixed(1)} MiB`);
console.log('\nScaling (ms per render, and per item above the 10-item baseline):');
for (const s of series) {
  const base = s.cells[0];
  console.log(
    `- ${s.label}: ` +
      s.cells
        .map((c) => (c.err ? `${c.n}: error (${c.err})` : `${c.n}: ${c.ms.toFixed(1)} ms (${c.n > base.n ? (((c.ms - base.ms) / (c.n - base.n)) * 1000).toFixed(1) + ' µs/item' : 'base'})`))
        .join(', '),
  );
}
