/**
 * The layout of chart/templates as a Helm author reads it: a folder per component (named by its
 * app.kubernetes.io/component label), one object kind per file, the file named after its kind;
 * only objects of the whole release at the top. And every template file renders in some fixture,
 * so each file's own copy of its component's guard goes through real Helm, lint and the API server
 * with the fixtures.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { templatePaths } from '../../src/chart/load.js';
import { turn } from '../support/exec.js';
import { engineAvailable, FIXTURES, fixtures, ROOT } from './render.js';

type Api = typeof import('../../src/index.js');

/** The last word of a file's name (`generator-role` → role) says the kind it holds. */
const KIND_OF_FILE: Record<string, string> = {
  configmap: 'ConfigMap',
  deployment: 'Deployment',
  service: 'Service',
  hpa: 'HorizontalPodAutoscaler',
  pdb: 'PodDisruptionBudget',
  serviceaccount: 'ServiceAccount',
  pvc: 'PersistentVolumeClaim',
  statefulset: 'StatefulSet',
  job: 'Job',
  secret: 'Secret',
  externalsecret: 'ExternalSecret',
  role: 'Role',
  rolebinding: 'RoleBinding',
  ingress: 'Ingress',
  httproute: 'HTTPRoute',
  networkpolicy: 'NetworkPolicy',
};
/** Templates of the whole release, not of one component. */
const TOP_LEVEL = new Set(['ingress.yaml', 'httproute.yaml', 'networkpolicy.yaml', 'extra-objects.yaml']);
/** The one file of objects the user gives (extraObjects): any kind, printed as given. */
const USERS_OBJECTS = 'templates/extra-objects.yaml';
/** Folders that gather components under another name: the credentials' objects, the helm test. */
const ALSO_IN_FOLDER: Record<string, string[]> = { credentials: ['external', 'credentials-generator'], tests: ['test'] };

interface Seen {
  fixture: string;
  kind: string;
  component: string | undefined;
}

describe.skipIf(!engineAvailable)('templates/ layout', () => {
  const bySource = new Map<string, Seen[]>();

  beforeAll(async () => {
    const api = (await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)) as Api;
    const renderer = await api.createRenderer();
    for (const f of fixtures) {
      for (const m of renderer.render({ valueFiles: [join(FIXTURES, f)] }).manifests) {
        const obj = parse(m.content) as { kind: string; metadata?: { labels?: Record<string, string> } };
        const path = m.source.slice(m.source.indexOf('/') + 1);
        const list = bySource.get(path) ?? [];
        list.push({ fixture: f, kind: obj.kind, component: obj.metadata?.labels?.['app.kubernetes.io/component'] });
        bySource.set(path, list);
      }
      await turn(); // every fixture rendered in-process: let vitest's worker read its RPC between them
    }
  }, 300_000);

  it('every file holds one kind, the one its name says', () => {
    for (const [path, seen] of bySource) {
      if (path === USERS_OBJECTS) continue;
      const stem = path.split('/').pop()!.replace(/\.yaml$/, '');
      expect(KIND_OF_FILE[stem.split('-').pop()!], `${path}: a file name that says its kind`).toBeDefined();
      expect(new Set(seen.map((s) => s.kind)), path).toEqual(new Set([KIND_OF_FILE[stem.split('-').pop()!]]));
    }
  });

  it("a component's objects are in its folder; only release-wide ones at the top", () => {
    for (const [path, seen] of bySource) {
      const parts = path.split('/');
      if (parts.length === 2) {
        expect(TOP_LEVEL.has(parts[1]!), `${path} belongs in a component's folder`).toBe(true);
        continue;
      }
      expect(parts, path).toHaveLength(3);
      const folder = parts[1]!;
      for (const { component, fixture } of seen) {
        const fits = component === folder || component?.startsWith(`${folder}-`) || (ALSO_IN_FOLDER[folder] ?? []).includes(component ?? '');
        expect(fits, `${path} (${fixture}): component ${component}`).toBe(true);
      }
    }
  });

  it('every template file renders in some fixture', () => {
    const files = templatePaths(join(ROOT, 'chart', 'templates'))
      .filter((p) => !p.split('/').pop()!.startsWith('_') && !p.endsWith('NOTES.txt.hbs'))
      .map((p) => `templates/${p.replace(/\.hbs$/, '')}`);
    expect(files.length).toBeGreaterThan(60);
    expect(files.filter((f) => !bySource.has(f))).toEqual([]);
  });
});
