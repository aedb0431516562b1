/**
 * Hostile strings cannot inject. Values holding newlines, `: `, `#`, `---`, `{{ }}`, quotes,
 * backslashes, tabs, unicode, `0123`, `yes`/`no`/`on`/`null`, and very long strings are put
 * everywhere user strings flow into manifests (env values through extraEnv and extraConfig,
 * annotations, pod annotations, Ingress hosts and annotations, HTTPRoute hostnames, Service
 * annotations). The render must parse back to exactly those strings, with the same documents and
 * the same keys as a render of harmless strings; and the packaged chart in real Helm must print
 * the same bytes. Strings the schema refuses (names, label values) get the schema's message
 * instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTgz } from '../../src/package/archive.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { HELM_MAJORS, helmOrSkip, helmTemplateBoth } from '../support/helm.js';

const haveHelm = helmOrSkip();
import { CHART, cli, parseDocs, PINNED, SCHEMA, sources, tempDir, type K8sObject } from '../cli/run.js';

const T = 120_000;

export const HOSTILE: string[] = [
  'line one\nline two',
  'trailing newline\n',
  '\nleading newline',
  'key: value',
  'a: b: c',
  'value # not a comment',
  '#starts-with-hash',
  '---',
  '--- \nkind: Secret\nmetadata:\n  name: stolen',
  '...',
  '{{ .Values.dify.secretKey.value }}',
  '{{x}} and {{- y -}}',
  '"double quoted"',
  "'single quoted'",
  'it\'s "mixed"',
  'back\\slash \\n not a newline',
  'tab\there',
  '\ttab first',
  'ünïcödé 日本語 🚀 עברית',
  '\u00a0nbsp\u2028line separator\u2029\ufeffbom',
  'bell\u0007 escape\u001b nul\u0000 vt\u000b',
  'carriage\r\nreturn',
  '0123',
  '0x1F',
  '1e3',
  '12345678901234567890',
  '-1',
  '.5',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  ' ',
  '  leading and trailing spaces  ',
  '- item',
  '[a, b]',
  '{a: b}',
  '&anchor',
  '*alias',
  '!!binary',
  '!tag',
  '%YAML 1.2',
  '@at',
  '`backtick`',
  '|',
  '>-',
  '? key',
  '= equals',
  '<<',
  'word '.repeat(2000).trim(),
  'x'.repeat(20000),
  `${'long line with spaces '.repeat(20)}\n${'and more '.repeat(30)}\n`,
];

/**
 * JSON with every character outside printable ASCII written as a \\u escape, so the file holds
 * no character YAML refuses raw (a values file with a raw DEL is an error in Helm and here).
 */
export function asciiJson(v: unknown): string {
  // Astral characters as YAML's \\U escape: go-yaml refuses a \\u escape of a surrogate half.
  return JSON.stringify(v).replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/** Safe keys: k00, k01, ... */
const key = (i: number): string => `k${String(i).padStart(2, '0')}`;

/** The values that put every string `s[i]` everywhere user strings flow. */
function valuesFor(s: string[]): object {
  const map = (prefix: string) => Object.fromEntries(s.map((v, i) => [`${prefix}${key(i)}`, v]));
  return {
    commonAnnotations: map('example.com/common-'),
    dify: { extraConfig: Object.fromEntries(s.map((v, i) => [`HOSTILE_${key(i)}`, v])) },
    api: {
      podAnnotations: map('example.com/pod-'),
      extraEnv: s.map((v, i) => ({ name: `HOSTILE_ENV_${key(i)}`, value: v })),
      service: { annotations: map('example.com/svc-') },
    },
    web: { extraEnv: s.map((v, i) => ({ name: `HOSTILE_ENV_${key(i)}`, value: v })) },
    ingress: { enabled: true, hosts: s, annotations: map('example.com/ing-') },
    httpRoute: { enabled: true, parentRefs: [{ name: 'gw' }], hostnames: s, annotations: map('example.com/route-') },
  };
}

/** kind/name, the migration Job's configuration hash left out (it changes with every value). */
const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name.replace(/-(migrate|backfill|test|credentials)-[0-9a-f]+$/, '-$1-<hash>')}`;

/** Every key path of a document (list items by index), so "no extra key" can be compared. */
function shape(v: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x, i) => shape(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(`${path}.${k}`);
      shape(x, `${path}.${k}`, out);
    }
  }
  return out;
}

const harmless = HOSTILE.map((_, i) => `harmless-${i}`);
let dir = '';
let tgz = '';
let hostileFile = '';
let harmlessFile = '';
let hostile: { stdout: string; stderr: string; code: number | null };
let reference: { stdout: string; stderr: string; code: number | null };

beforeAll(async () => {
  dir = tempDir('dify-injection-');
  hostileFile = join(dir, 'hostile.yaml');
  harmlessFile = join(dir, 'harmless.yaml');
  // Written as JSON (a subset of YAML): the strings reach the chart exactly, whatever YAML would do with them.
  writeFileSync(hostileFile, asciiJson(valuesFor(HOSTILE)));
  writeFileSync(harmlessFile, asciiJson(valuesFor(harmless)));
  [hostile, reference] = await Promise.all([cli(['render', '-f', PINNED, '-f', hostileFile]), cli(['render', '-f', PINNED, '-f', harmlessFile])]);
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(dir, archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, T);

describe('hostile strings render to exactly themselves', () => {
  it('labels refuse them: Kubernetes takes letters, digits, `-`, `_` and `.` there', async () => {
    for (const [flag, field] of [['commonLabels', 'commonLabels'], ['api.podLabels', 'api.podLabels']]) {
      const r = await cli(['render', '-f', PINNED, '--set-json', `${flag}=${JSON.stringify({ 'example.com/k': HOSTILE[0] })}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`values.${field}["example.com/k"]: must match pattern`);
    }
  });

  it('the render succeeds', () => {
    expect(hostile.stderr).toBe('');
    expect(hostile.code).toBe(0);
    expect(reference.code).toBe(0);
  });

  it('adds no document and no key: same documents, kinds and key paths as harmless strings', () => {
    const a = parseDocs(hostile.stdout);
    const b = parseDocs(reference.stdout);
    expect(sources(hostile.stdout)).toEqual(sources(reference.stdout));
    expect(a.map(id)).toEqual(b.map(id));
    a.forEach((o, i) => expect(shape(o), id(o)).toEqual(shape(b[i])));
  });

  it('every string reads back exactly, wherever it was put', () => {
    const objs = parseDocs(hostile.stdout);
    const withMetadata = objs.filter((o) => o.metadata);
    expect(withMetadata.length).toBeGreaterThan(10);
    let checked = 0;
    const expectAll = (m: Record<string, string> | undefined, prefix: string, where: string) => {
      HOSTILE.forEach((v, i) => {
        expect(m?.[`${prefix}${key(i)}`], `${where} ${prefix}${key(i)}`).toBe(v);
        checked++;
      });
    };
    for (const o of withMetadata) {
      expectAll(o.metadata.annotations, 'example.com/common-', `${o.kind}/${o.metadata.name} annotations`);
    }
    const byName = (kind: string, suffix: string): K8sObject => objs.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix))!;
    const api = byName('Deployment', '-api');
    expectAll(api.spec.template.metadata.annotations, 'example.com/pod-', 'api pod annotations');
    expectAll(byName('Service', '-api').metadata.annotations, 'example.com/svc-', 'api Service annotations');
    for (const d of [api, byName('Deployment', '-web')]) {
      const env = new Map((d.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
      HOSTILE.forEach((v, i) => {
        expect(env.get(`HOSTILE_ENV_${key(i)}`), `${d.metadata.name} env ${key(i)}`).toBe(v);
        checked++;
      });
    }
    const config = objs.filter((o) => o.kind === 'ConfigMap' && o.data && `HOSTILE_${key(0)}` in o.data);
    expect(config.length).toBeGreaterThan(0);
    for (const cm of config) expectAll(cm.data, 'HOSTILE_', `${cm.metadata.name} data`);
    const ingress = byName('Ingress', '');
    expect(ingress.spec.rules.map((r: { host: string }) => r.host)).toEqual(HOSTILE);
    expectAll(ingress.metadata.annotations, 'example.com/ing-', 'Ingress annotations');
    const route = byName('HTTPRoute', '');
    expect(route.spec.hostnames).toEqual(HOSTILE);
    expectAll(route.metadata.annotations, 'example.com/route-', 'HTTPRoute annotations');
    expect(checked).toBeGreaterThan(HOSTILE.length * 20);
  });

  it('a value never becomes template text: {{ }} in values prints as written', () => {
    expect(hostile.stdout).toContain('{{ .Values.dify.secretKey.value }}');
  });

  it.skipIf(!haveHelm)('real Helm 3.21.4 and 4.3.2 print the same bytes from the packaged chart', async () => {
    const runs = await helmTemplateBoth(tgz, [PINNED, hostileFile]);
    for (const major of HELM_MAJORS) {
      expect(runs[major].stderr).toBe('');
      expect(runs[major].code).toBe(0);
      expect(hostile.stdout).toBe(runs[major].stdout);
    }
  }, T);
});

describe("strings go-yaml cannot print (DEL, C1 controls, U+FFFE)", () => {
  // Helm's toYaml returns "" when go-yaml fails, so such a value vanishes where the chart prints it
  // with toYaml (quote keeps it, as an escape). Both engines do exactly that: nothing is injected,
  // nothing else changes, and the bytes are Helm's.
  const unprintable = ['del\u007f', 'c1\u0080\u009f', 'nonchar\ufffe'];
  it('render the same bytes as real Helm, add no document, and read back exactly or not at all', async () => {
    const file = join(dir, 'unprintable.yaml');
    writeFileSync(file, asciiJson(valuesFor(unprintable)));
    const r = await cli(['render', '-f', PINNED, '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const objs = parseDocs(r.stdout);
    expect(objs.map(id)).toEqual(parseDocs(reference.stdout).map(id));
    for (const o of objs) {
      unprintable.forEach((v, i) => expect([undefined, v]).toContain(o.metadata.annotations?.[`example.com/common-${key(i)}`]));
    }
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.data && `HOSTILE_${key(0)}` in o.data)!;
    unprintable.forEach((v, i) => expect(cm.data[`HOSTILE_${key(i)}`]).toBe(v)); // quote escapes them
    if (!haveHelm) return; // the real-Helm half is reported by the test above
    const runs = await helmTemplateBoth(tgz, [PINNED, file]);
    for (const major of HELM_MAJORS) {
      expect(runs[major].code).toBe(0);
      expect(r.stdout).toBe(runs[major].stdout);
    }
  }, T);
});

describe('strings that would inject into the nginx and squid configurations are refused', () => {
  const cases: [string, object, string, string][] = [
    ['squid allowedDomains', { ssrfProxy: { allowedDomains: ['.ok.example.com\nhttp_access allow all'] } }, 'values.ssrfProxy.allowedDomains[0]', 'a squid dstdomain entry'],
    ['squid allowedNetworks', { ssrfProxy: { allowedNetworks: ['10.0.0.0/8 all'] } }, 'values.ssrfProxy.allowedNetworks[0]', 'a network in CIDR form'],
    ['squid deniedNetworks', { ssrfProxy: { deniedNetworks: ['all\nhttp_access allow all'] } }, 'values.ssrfProxy.deniedNetworks[0]', 'a network in CIDR form'],
    ['nginx server_name', { proxy: { serverName: 'dify.example.com; include /etc/passwd' } }, 'values.proxy.serverName', 'server_name of nginx'],
    ['nginx resolver', { proxy: { resolver: '10.0.0.1;\n  location /x { return 200; }' } }, 'values.proxy.resolver', 'resolver of nginx'],
    ['nginx client_max_body_size', { proxy: { clientMaxBodySize: '100M; allow all' } }, 'values.proxy.clientMaxBodySize', 'an nginx size'],
    ['nginx timeouts', { proxy: { proxyReadTimeout: '60s;' } }, 'values.proxy.proxyReadTimeout', 'an nginx time'],
    ['nginx worker_processes', { proxy: { workerProcesses: 'auto;\nuser root' } }, 'values.proxy.workerProcesses', 'auto or a number'],
  ];
  for (const [name, values, at, hint] of cases) {
    it(name, async () => {
      const file = join(tempDir('dify-refused-'), 'v.yaml');
      writeFileSync(file, asciiJson(values));
      const r = await cli(['render', '-f', PINNED, '-f', file]);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`Error: ${at}: must match pattern `)).toBe(true);
      expect(lines[0]).toContain(`(from ${file}:1:`);
      expect(lines[0]).toContain(`; ${hint}`);
    }, T);
  }
});

describe('strings the schema refuses get its message', () => {
  it('the packaged chart carries the same schema, so helm install refuses them too', async () => {
    const entries = await readTgz(readFileSync(tgz));
    expect(entries.find((e) => e.path === 'dify/values.schema.json')!.content.toString('utf8')).toBe(readFileSync(SCHEMA, 'utf8'));
  });

  const cases: [string, object, string][] = [
    [
      'fullnameOverride',
      { fullnameOverride: 'dify\n  evil: true' },
      'values.fullnameOverride: must match pattern "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$", got string "dify\\n  evil: true" (from FILE:1:2); fullnameOverride prefixes every object name: lowercase letters, digits and \'-\' (a DNS-1123 label)',
    ],
    [
      'nameOverride',
      { nameOverride: 'dify # comment' },
      'values.nameOverride: must match pattern "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$", got string "dify # comment" (from FILE:1:2); nameOverride goes into object names and labels: lowercase letters, digits and \'-\' (a DNS-1123 label)',
    ],
    [
      'existingSecret.name',
      { dify: { secretKey: { value: '', existingSecret: { name: 'mine\nkind: Secret', key: '' } } } },
      'values.dify.secretKey.existingSecret.name: must match pattern "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$", got string "mine\\nkind: Secret" (from FILE:1:52); a Secret name: lowercase letters, digits, \'-\' and \'.\'',
    ],
    [
      'existingSecret.key',
      { dify: { secretKey: { value: '', existingSecret: { name: 'mine', key: 'k: v' } } } },
      'values.dify.secretKey.existingSecret.key: must match pattern "^[-._a-zA-Z0-9]*$", got string "k: v" (from FILE:1:66); a key of a Secret: letters, digits, \'-\', \'_\' and \'.\'',
    ],
    [
      'priorityClassName',
      { web: { priorityClassName: 'high\n  evil: true' } },
      'values.web.priorityClassName: must match pattern "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$", got string "high\\n  evil: true" (from FILE:1:9); a PriorityClass name: lowercase letters, digits, \'-\' and \'.\'',
    ],
    [
      'storage.local.existingClaim',
      { storage: { local: { existingClaim: 'data # mine' } } },
      'values.storage.local.existingClaim: must match pattern "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$", got string "data # mine" (from FILE:1:22); a PersistentVolumeClaim name: lowercase letters, digits, \'-\' and \'.\'',
    ],
    [
      'pdb.minAvailable',
      { api: { pdb: { minAvailable: '1\nevil: true' } } },
      'values.api.pdb.minAvailable: must match pattern "^([0-9]+%?)?$", got string "1\\nevil: true" (from FILE:1:16); minAvailable is a number of pods or a percentage such as "50%" (empty: unset)',
    ],
    [
      'extraConfig key',
      { dify: { extraConfig: { 'A: b\nC': 'x' } } },
      'values.dify.extraConfig["A: b\\nC"]: key name must match pattern "^[A-Za-z_][A-Za-z0-9_]*$" (from FILE:1:25); extraConfig maps environment variable names to string values (quote numbers and booleans)',
    ],
  ];
  for (const [name, values, message] of cases) {
    it(name, async () => {
      const file = join(tempDir('dify-refused-'), 'v.yaml');
      writeFileSync(file, asciiJson(values));
      const r = await cli(['render', '-f', PINNED, '-f', file]);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`Error: ${message.replace('FILE', file)}\n`);
      expect(r.code).toBe(1);
    }, T);
  }
});
