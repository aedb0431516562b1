/**
 * Renders fixtures through the real engine (`bin/dify-chart render`), once per fixture, and parses
 * the manifests. DIFY_CHART_RENDER_CMD may name another script taking the same `-f` flags (a
 * chart author's scratch renderer while the engine is being built); CI uses the engine.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { exec } from '../support/exec.js';
import type { K8sObject } from '../support/k8s.js';
import { Engine } from '../../src/render/engine.js';
import { renderContext } from '../../src/render/context.js';
import { compileChart } from '../../src/render/release.js';
import { buildValues } from '../../src/values/index.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');
export const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const override = process.env.DIFY_CHART_RENDER_CMD;
export const engineAvailable = Boolean(override) || existsSync(join(ROOT, 'dist', 'cli', 'main.js'));

export type { K8sObject } from '../support/k8s.js';

export interface Rendered {
  text: string;
  objects: K8sObject[];
}

const cache = new Map<string, Rendered>();

/**
 * A fixture's render, awaited: a test looping over every fixture would otherwise block vitest's
 * worker for the whole loop (test/support/exec.ts).
 */
export async function render(fixture: string): Promise<Rendered> {
  const hit = cache.get(fixture);
  if (hit) return hit;
  const file = join(FIXTURES, fixture);
  const args = override ? [override, '-f', file] : [join(ROOT, 'bin', 'dify-chart'), 'render', 'release-name', '-f', file];
  const r = await exec(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`render of ${fixture} failed (${r.status}): ${r.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(r.stdout)) {
    if (doc.errors.length > 0) throw new Error(`${fixture}: invalid YAML: ${doc.errors[0]!.message}`);
    const js = doc.toJS() as K8sObject | null;
    if (js) objects.push(js);
  }
  const out = { text: r.stdout, objects };
  cache.set(fixture, out);
  return out;
}

export function fixtureValues(fixture: string): string {
  return readFileSync(join(FIXTURES, fixture), 'utf8');
}

/** The object of a kind whose name ends with the suffix; the shortest such name, so `-sandbox` finds
 *  `<fullname>-sandbox`, not `<fullname>-local-sandbox`. */
export const find = (objs: K8sObject[], kind: string, nameSuffix: string): K8sObject | undefined =>
  objs
    .filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix))
    .reduce<K8sObject | undefined>((best, o) => (best === undefined || o.metadata.name.length < best.metadata.name.length ? o : best), undefined);

/** The env of the first container of a workload, as name -> value or `secret:<name>/<key>`. */
export function containerEnv(obj: K8sObject): Map<string, string> {
  const c = obj.spec.template.spec.containers[0];
  const env = new Map<string, string>();
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) env.set(e.name, `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    else env.set(e.name, e.value ?? '');
  }
  return env;
}

/** The env a container sees: ConfigMaps of envFrom (found among `objs`) overlaid by `env`. */
export function effectiveEnv(objs: K8sObject[], obj: K8sObject): Map<string, string> {
  const c = obj.spec.template.spec.containers[0];
  const env = new Map<string, string>();
  for (const src of c.envFrom ?? []) {
    const cm = src.configMapRef && objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === src.configMapRef.name);
    if (cm) for (const [k, v] of Object.entries(cm.data ?? {})) env.set(k, String(v));
  }
  for (const [k, v] of containerEnv(obj)) env.set(k, v);
  return env;
}

/** What a render asks the credentials generator for: its Job, the Secret it fills, the one it adopts keys from, and KEY -> shape:size. */
export interface GeneratorSpec {
  job: K8sObject;
  target: string;
  legacy: string;
  keys: Map<string, string>;
}

/** The credentials generator of a render, or undefined when the render generates nothing. */
export function generatorOf(objects: K8sObject[]): GeneratorSpec | undefined {
  const job = objects.find((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'credentials-generator');
  if (!job) return undefined;
  const env = containerEnv(job);
  const keys = new Map<string, string>();
  for (const word of (env.get('GENERATE') ?? '').split(/\s+/).filter(Boolean)) {
    const [key, shape] = word.split('=') as [string, string];
    keys.set(key, shape);
  }
  return { job, target: env.get('TARGET_SECRET')!, legacy: env.get('LEGACY_SECRET')!, keys };
}

let notesEngine: { engine: Engine; metadata: ReturnType<typeof compileChart>['metadata'] } | undefined;

/** NOTES.txt of a fixture's release `rel` in namespace `ns`, which `helm template` does not print (the chart compiled once). */
export function renderNotes(fixture: string, set: string[] = []): string {
  const chart = join(ROOT, 'chart');
  if (!notesEngine) {
    const compiled = compileChart(chart);
    notesEngine = { engine: new Engine(compiled.chart), metadata: compiled.metadata };
  }
  const { engine, metadata } = notesEngine;
  const values = buildValues({ chartDir: chart, valueFiles: [join(FIXTURES, fixture)], set, setString: [], setFile: [], setJson: [] }).values;
  return engine.render(renderContext(values, metadata, { name: 'rel', namespace: 'ns' }), metadata.Name).find((t) => t.name.endsWith('/NOTES.txt'))!.content;
}
