/**
 * vitest's defaults, in two projects so that the API-server tests' cluster starts only when one of
 * their files is in the run: `unit` is every test file but test/cluster (as before this file
 * existed), `cluster` is test/cluster, whose global setup starts etcd and kube-apiserver once for
 * the run (test/cluster/global-setup.ts). Every test gets a 60 s budget unless it names its own:
 * vitest's 5 s default failed a schema test that took 5.2 s on a 2-core machine running three
 * suites at once, and nothing here may depend on a quiet machine. Every test starts after a turn of
 * the event loop (test/support/turn-between-tests.ts), so that synchronous tests in a row never
 * hold vitest's worker past its 60 s RPC timeout.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    // Renders default their namespace as Helm does, from HELM_NAMESPACE or the kubeconfig's context:
    // no developer's own may reach the tests (those that need one pass it).
    env: { KUBECONFIG: '/nonexistent/dify-chart-tests/kubeconfig', HELM_NAMESPACE: '', HELM_KUBECONTEXT: '', POD_NAMESPACE: '' },
    setupFiles: ['test/support/turn-between-tests.ts'],
    projects: [
      { extends: true, test: { name: 'unit', exclude: [...configDefaults.exclude, 'test/cluster/**'] } },
      { extends: true, test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], globalSetup: ['test/cluster/global-setup.ts'] } },
    ],
  },
});
