// `node bench/warm.mjs KIND`, run by bench/run.mjs: one warm single-thread figure, in a process of
// its own, as a long-running renderer doing only that job sees it (measured in turns in one
// process, each kind's call pattern slowed the others': distinct values 2.28 ms alone against 2.67
// ms alternated with the same values). KIND: `same` (the library API, the same values file every
// time), `distinct` (values of its own per render: a --set no render shares) or `renderOnly` (the
// render stage on values built once). Prints {"median":ms,"best":ms,"block":n,"blocks":n}: as many
// renders to warm up (V8 tiers its optimizing compiler up over the first few hundred) as are then
// timed, in blocks; the median block and the best.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FULL = join(ROOT, 'bench', 'values-full.yaml');
const CHART = join(ROOT, 'chart');
const SCHEMA = join(CHART, 'values.schema.json');
const kind = process.argv[2];
const warmN = Number(process.env.BENCH_WARM ?? 2000);

const { createRenderer } = await import(join(ROOT, 'dist', 'index.js'));
const { loadPrebuilt } = await import(join(ROOT, 'dist', 'chart', 'prebuilt.js'));
const { buildValues } = await import(join(ROOT, 'dist', 'values', 'index.js'));
const { compileChart, renderRelease } = await import(join(ROOT, 'dist', 'render', 'release.js'));
// Each render gets its own release name, so nothing can be reused between renders.
let serial = 0;
let run;
if (kind === 'same' || kind === 'distinct') {
  const renderer = await createRenderer();
  run =
    kind === 'same'
      ? () => renderer.render({ release: `bench-${serial++}`, valueFiles: [FULL] }).text
      : () => renderer.render({ release: `bench-${serial}`, valueFiles: [FULL], set: [`commonLabels.tenant=t${serial++}`] }).text;
} else if (kind === 'renderOnly') {
  const pb = await loadPrebuilt(CHART, SCHEMA);
  const flags = { set: [], setString: [], setFile: [], setJson: [] };
  const prepared = buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [FULL], ...flags, ...(pb ? { prepared: pb.values } : {}) }).values;
  // The build's compiled chart while it matches the chart on disk, else the chart compiled now (as the CLI does).
  const compiled = pb?.render ?? compileChart(CHART);
  run = () => renderRelease(compiled, prepared, { name: `bench-${serial++}`, namespace: 'default' });
} else {
  console.error('usage: node bench/warm.mjs same|distinct|renderOnly');
  process.exit(1);
}
const block = Math.max(1, Math.min(100, Math.floor(warmN / 20)));
const blocks = Math.max(1, Math.round(warmN / block));
for (let i = 0; i < warmN; i++) run();
const ms = [];
for (let b = 0; b < blocks; b++) {
  const t0 = performance.now();
  for (let i = 0; i < block; i++) run();
  ms.push((performance.now() - t0) / block);
}
ms.sort((a, b) => a - b);
console.log(JSON.stringify({ median: ms[Math.floor(ms.length / 2)], best: ms[0], block, blocks }));
