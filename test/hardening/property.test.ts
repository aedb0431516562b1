/**
 * Property-based: values generated to satisfy the schema (component switches, replicas,
 * resources, extraEnv, annotations, labels, Ingress hosts, routes, image tags; every credential
 * pinned so renders are deterministic) always pass the values stage, render, parse, and validate
 * against the Kubernetes schemas; a sample of them renders the same bytes in real Helm 3.21.4
 * and 4.3.2 from the packaged chart. Values that break the schema (wrong types, unknown keys, out of range) are
 * refused by buildValues, before any rendering. Fixed seed, so a failure reproduces.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateObject } from '../../src/lint/kube-schema.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { compileChart, renderChartText } from '../../src/render/release.js';
import { buildValues } from '../../src/values/index.js';
import { UserError } from '../../src/errors.js';
import { turn } from '../support/exec.js';
import { HELM_MAJORS, helmOrSkip, helmTemplateBoth } from '../support/helm.js';
import { CHART, PINNED, SCHEMA, tempDir } from '../cli/run.js';

const SEED = 20240917;
const VALID_RUNS = 60;
const HELM_SAMPLE = 10; // the first runs of the valid property also go through real Helm
const INVALID_RUNS = 100;

// ---------------------------------------------------------------------------------------------
// Arbitraries: values the schema accepts

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,14}[a-z0-9])?$/);
const hostname = fc.array(dnsLabel, { minLength: 2, maxLength: 4 }).map((p) => p.join('.'));
const annotationKey = fc.tuple(fc.option(hostname, { nil: undefined }), fc.stringMatching(/^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,20}[a-zA-Z0-9])?$/)).map(([p, n]) => (p ? `${p}/${n}` : n));
const labelValue = fc.stringMatching(/^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,30}[a-zA-Z0-9])?)?$/);
/** Any text a user might put in an annotation or env value: unicode, quotes, newlines, YAML syntax. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('yes', 'no', 'on', 'null', '~', '0123', '1e3', 'true', '', '---', 'a: b', '# c', '{{ x }}', '"q"', "'s'", 'x\ny', 'tab\t'),
);
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/);
const extraEnv = fc.uniqueArray(fc.record({ name: envName, value: text }), { selector: (e) => e.name, maxLength: 4 });
const annotations = fc.dictionary(annotationKey, text, { maxKeys: 4 });
const labels = fc.dictionary(annotationKey, labelValue, { maxKeys: 3 });
const quantity = (units: string[]) => fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom(...units)).map(([n, u]) => `${n}${u}`);
const resources = fc.record(
  {
    requests: fc.record({ cpu: quantity(['m', '']), memory: quantity(['Mi', 'Gi']) }, { requiredKeys: [] }),
    limits: fc.record({ cpu: quantity(['m', '']), memory: quantity(['Mi', 'Gi']) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const imageTag = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,20}$/);

const DEFAULT_ROUTES = [
  { path: '/console/api', component: 'api' },
  { path: '/api', component: 'api' },
  { path: '/v1', component: 'api' },
  { path: '/files', component: 'api' },
  { path: '/socket.io/', component: 'apiWebsocket' },
  { path: '/agent-stub/', component: 'agentBackend' },
  { path: '/e/', component: 'pluginDaemon' },
  { path: '/explore', component: 'web' },
  { path: '/marketplace-api', component: 'marketplace' },
  { path: '/', component: 'web' },
];

/** A component's overridable settings; `replicas` bounds replicaCount. */
const component = (maxReplicas: number) =>
  fc.record(
    {
      enabled: fc.boolean(),
      replicaCount: fc.integer({ min: 0, max: maxReplicas }),
      resources,
      extraEnv,
      podAnnotations: annotations,
      podLabels: labels,
      image: fc.record({ tag: imageTag }),
    },
    { requiredKeys: [] },
  );

const validValues = fc.record(
  {
    commonAnnotations: annotations,
    commonLabels: labels,
    api: component(1), // more api replicas need ReadWriteMany storage (a schema rule)
    worker: component(1), // so do more worker replicas
    // and more websocket replicas; its image is api.image
    apiWebsocket: fc.record({ enabled: fc.boolean(), replicaCount: fc.integer({ min: 0, max: 1 }), resources, extraEnv, podAnnotations: annotations, podLabels: labels }, { requiredKeys: [] }),
    web: component(5),
    beat: fc.record({ enabled: fc.boolean(), resources, extraEnv, podAnnotations: annotations }, { requiredKeys: [] }),
    sandbox: component(3),
    pluginDaemon: fc.record({ enabled: fc.boolean(), resources, extraEnv, podAnnotations: annotations, podLabels: labels }, { requiredKeys: [] }),
    ssrfProxy: component(3),
    agentBackend: component(3),
    localSandbox: fc.record({ enabled: fc.boolean(), resources, extraEnv, podAnnotations: annotations, podLabels: labels }, { requiredKeys: [] }),
    agentSsrfProxy: fc.record({ enabled: fc.boolean(), resources, extraEnv, podAnnotations: annotations }, { requiredKeys: [] }),
    proxy: component(3),
    dify: fc.record({ extraConfig: fc.dictionary(envName, text, { maxKeys: 4 }), logLevel: fc.constantFrom('DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL') }, { requiredKeys: [] }),
    routes: fc.subarray(DEFAULT_ROUTES, { minLength: 1 }),
    ingress: fc.record({ enabled: fc.boolean(), hosts: fc.uniqueArray(hostname, { maxLength: 3 }), className: fc.constantFrom('', 'nginx', 'traefik'), annotations }, { requiredKeys: ['enabled'] }),
  },
  { requiredKeys: [] },
).map((v) => {
  // The agent backend needs the plugin daemon; its local runtime needs the local sandbox, which needs its proxy
  // (schema rules): turn off what cannot run, keep what must.
  if (v.pluginDaemon?.enabled === false) v.agentBackend = { ...v.agentBackend, enabled: false };
  if (v.agentBackend?.enabled !== false) {
    v.localSandbox = { ...v.localSandbox, enabled: true };
    v.agentSsrfProxy = { ...v.agentSsrfProxy, enabled: true };
  }
  // An enabled Ingress needs a route to an enabled component (else the render fails on purpose,
  // see bad-input.test.ts): keep web and its catch-all route then.
  if (v.ingress?.enabled) {
    v.web = { ...v.web, enabled: true };
    if (!v.routes?.some((r) => r.path === '/')) v.routes = [...(v.routes ?? []), { path: '/', component: 'web' }];
  }
  return v;
});

// ---------------------------------------------------------------------------------------------
// Arbitraries: values the schema refuses

/** For a field, values of another JSON type than its own (or out of its range). */
const WRONG: [string[], fc.Arbitrary<unknown>][] = [
  [['web', 'replicaCount'], fc.oneof(fc.string(), fc.boolean(), fc.double({ min: 0.1, max: 9.9, noInteger: true }), fc.constant([]), fc.integer({ min: -1000, max: -1 }))],
  [['worker', 'replicaCount'], fc.oneof(fc.string(), fc.boolean(), fc.constant({}))],
  [['api', 'resources'], fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { minLength: 1 }))],
  [['api', 'podAnnotations'], fc.oneof(fc.string(), fc.integer(), fc.array(fc.string(), { minLength: 1 }), fc.dictionary(annotationKey, fc.integer(), { minKeys: 1 }))],
  [['ingress', 'enabled'], fc.constantFrom('true', 'yes', 1, 0)],
  [['api', 'extraEnv'], fc.oneof(fc.string(), fc.dictionary(envName, fc.string(), { minKeys: 1 }))],
  [['dify', 'logLevel'], fc.oneof(fc.integer(), fc.constantFrom('debug', 'TRACE', 'info '))],
  [['api', 'image', 'tag'], fc.oneof(fc.integer({ min: 0 }), fc.double({ min: 0.1, max: 99, noInteger: true }), fc.boolean())],
  [['dify', 'uploadFileSizeLimit'], fc.integer({ min: -1000, max: -1 })],
];
const wrongType = fc.oneof(...WRONG.map(([path, value]) => fc.record({ path: fc.constant(path), value })));

/** An unknown key: a top-level one or one inside a component, never a real key name. */
const unknownKey = fc
  .tuple(fc.constantFrom([], ['api'], ['web'], ['dify'], ['ingress'], ['api', 'image'], ['global']), fc.stringMatching(/^[a-z][a-zA-Z0-9]{2,12}$/), fc.jsonValue())
  .filter(([parent, k]) => !KNOWN.has([...parent, k].join('.')));

/** Every key path the schema declares, so a generated "unknown" key is truly unknown. */
const KNOWN = new Set<string>();

function setPath(path: string[], value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let cur = out;
  path.forEach((seg, i) => {
    if (i === path.length - 1) cur[seg] = value;
    else cur = (cur[seg] = {}) as Record<string, unknown>;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

let dir = '';
let tgz = '';
const haveHelm = helmOrSkip();
let n = 0;

function writeValues(v: unknown): string {
  const file = join(dir, `values-${++n}.json`);
  writeFileSync(file, JSON.stringify(v));
  return file;
}

const COMPILED = compileChart(CHART);
const build = (file: string) => buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [PINNED, file], set: [], setString: [], setFile: [], setJson: [] });

beforeAll(async () => {
  dir = tempDir('dify-property-');
  const archive = await packageChart({ chartDir: CHART, schemaPath: SCHEMA });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
  const schema = (await import(SCHEMA, { with: { type: 'json' } })).default as Record<string, unknown>;
  const walk = (s: any, path: string[]) => {
    for (const [k, sub] of Object.entries((s?.properties ?? {}) as Record<string, unknown>)) {
      KNOWN.add([...path, k].join('.'));
      walk(sub, [...path, k]);
    }
  };
  walk(schema, []);
}, 120_000);

describe('property: values that satisfy the schema', () => {
  it(`render, parse, validate against Kubernetes, and (first ${HELM_SAMPLE}) match real Helm byte for byte`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(validValues, async (overlay) => {
        await turn(); // each run renders and validates in-process: let vitest's worker read its RPC between runs
        const file = writeValues(overlay);
        const { values } = build(file); // throws (and fails the property) if the schema refuses
        const text = renderChartText(COMPILED, values, { name: 'release-name', namespace: 'default' });
        for (const doc of parseAllDocuments(text)) {
          expect(doc.errors).toEqual([]);
          const obj = doc.toJS() as Record<string, unknown> | null;
          if (obj === null) continue;
          const errors = await validateObject(obj);
          expect(errors, `${String(obj['kind'])} has a schema`).not.toBeNull();
          expect(errors, `${String(obj['kind'])}/${String((obj['metadata'] as { name?: string })?.name)}`).toEqual([]);
        }
        if (haveHelm && run++ < HELM_SAMPLE) {
          const runs = await helmTemplateBoth(tgz, [PINNED, file]);
          for (const major of HELM_MAJORS) {
            expect(runs[major].stderr).toBe('');
            expect(runs[major].code).toBe(0);
            expect(text).toBe(runs[major].stdout);
          }
        }
      }),
      { seed: SEED, numRuns: VALID_RUNS, endOnFailure: true },
    );
  }, 120_000);
});

describe('property: values that break the schema are refused before rendering', () => {
  it('a value of the wrong type or out of range', async () => {
    await fc.assert(
      fc.asyncProperty(wrongType, async ({ path, value }) => {
        await turn(); // a values build per run, in-process: the same reason
        const file = writeValues(setPath(path, value));
        let error: unknown;
        try {
          build(file);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(UserError);
        const lines = (error as Error).message.split('\n');
        const at = `values.${path.join('.')}`;
        expect(lines.some((l) => l.startsWith(`${at}:`) || l.startsWith(`${at}[`)), (error as Error).message).toBe(true);
      }),
      { seed: SEED, numRuns: INVALID_RUNS },
    );
  }, 120_000); // a hundred values builds: seconds on a quiet machine, many more beside another run

  it('an unknown key', async () => {
    await fc.assert(
      fc.asyncProperty(unknownKey, async ([parent, key, value]) => {
        await turn();
        const file = writeValues(setPath([...parent, key], value));
        expect(() => build(file)).toThrow(new RegExp(`^values\\.${[...parent, key].join('\\.')}: unknown key \\(from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+\\)`, 'm'));
      }),
      { seed: SEED, numRuns: INVALID_RUNS },
    );
  }, 120_000); // a hundred values builds: seconds on a quiet machine, many more beside another run
});
