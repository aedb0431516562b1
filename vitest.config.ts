/**
 * vitest's defaults, in two projects so that the API-server tests' cluster starts only when one of
 * their files is in the run: `unit` is every test file but test/cluster (as before this file
 * existed), `cluster` is test/cluster, whose global setup starts etcd and kube-apiserver once for
 * the run (test/cluster/global-setup.ts).
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', exclude: [...configDefaults.exclude, 'test/cluster/**'] } },
      { extends: true, test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], globalSetup: ['test/cluster/global-setup.ts'] } },
    ],
  },
});
