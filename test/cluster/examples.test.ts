/**
 * The values files of examples/ applied to the real API server: `dify-chart render dify -n NS -f
 * EXAMPLE | kubectl apply --server-side` into a fresh namespace at Pod Security "baseline" (the
 * sandbox and plugin daemon need it, README) succeeds with kubectl's strict field validation and
 * no warning. The Secrets the examples refer to are the user's: no pod runs here, so none is made.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT } from '../cli/run.js';
import { applyServerSide, clusterOrSkip, clusterSkipReason, freshNamespace, objectsOf, warnings, type Cluster } from '../support/cluster.js';

const cluster = clusterOrSkip();
const c = cluster as Cluster;
const EXAMPLES = join(ROOT, 'examples');
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

describe.skipIf(!cluster)(`kube-apiserver accepts every example's render${cluster ? '' : ` (skipped: ${clusterSkipReason})`}`, () => {
  for (const example of examples) {
    it(example, async () => {
      const ns = await freshNamespace(c, 'example', 'baseline');
      const r = await cli(['render', 'dify', '-n', ns, '--kube-version', 'v1.37.2', '-f', join(EXAMPLES, example)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const applied = await applyServerSide(c, ns, r.stdout);
      expect(applied.stderr.split('\n').filter((l) => l && !l.startsWith('Warning: ')), 'kubectl errors').toEqual([]);
      expect(applied.code).toBe(0);
      expect(applied.stdout.trim().split('\n')).toHaveLength(objectsOf(r.stdout).length);
      expect(warnings(applied.stderr)).toEqual([]);
    }, 120_000);
  }
});
