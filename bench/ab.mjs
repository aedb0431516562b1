// `node bench/ab.mjs OTHER_CHECKOUT`: warm renders with distinct values, this build against another
// build (a checkout with dist/ built, e.g. a `git worktree` of the commit before a change), both
// loaded in one process and timed in alternating blocks. On a shared machine whose speed drifts by
// a third between runs, only a comparison made side by side like this can see a change of a few
// percent; `npm run bench` reports the absolute figures.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const other = process.argv[2];
if (!other) {
  console.error('usage: node bench/ab.mjs OTHER_CHECKOUT (a checkout of dify-chart with dist/ built)');
  process.exit(1);
}
if (!existsSync(join(other, 'dist', 'index.js'))) {
  console.error(`${other}: no dist/index.js; build that checkout first (npm run build there)`);
  process.exit(1);
}
const FULL = join(here, 'bench', 'values-full.yaml');
const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const warmup = Number(process.env.BENCH_WARM ?? 1500);
const block = Number(process.env.BENCH_BLOCK ?? 100);

const load = async (dir) => (await import(join(resolve(dir), 'dist', 'index.js'))).createRenderer();
const builds = [
  { name: resolve(other), renderer: await load(other) },
  { name: here, renderer: await load(here) },
];
// Each render has a release name and a --set of its own, as the bench's distinct-values figure.
let serial = 0;
const renderOnce = (r) => r.render({ release: `ab-${serial}`, valueFiles: [FULL], set: [`commonLabels.tenant=t${serial++}`] }).text;
for (let i = 0; i < warmup; i++) for (const b of builds) renderOnce(b.renderer);
const times = builds.map(() => []);
for (let round = 0; round < rounds; round++) {
  builds.forEach((b, k) => {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) renderOnce(b.renderer);
    times[k].push((performance.now() - t0) / block);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ratio = median(times[1].map((t, i) => t / times[0][i]));
builds.forEach((b, k) => console.log(`${b.name}: median ${median(times[k]).toFixed(3)} ms, best ${Math.min(...times[k]).toFixed(3)} ms per render`));
console.log(`this build / other: median ratio of the blocks ${ratio.toFixed(3)} (${rounds} blocks of ${block} renders each)`);
