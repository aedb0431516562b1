/**
 * The checks of `dify-chart lint` on rendered manifests: every object against the Kubernetes
 * OpenAPI schemas (kube-schema.ts) and the chart's own rules (rules.ts). Knows nothing of how the
 * manifests were rendered.
 */
import { parseAllDocuments } from 'yaml';
import { splitManifests, type Manifest } from '../render/manifests.js';
import { validateObject } from './kube-schema.js';
import { chartRules } from './rules.js';

export interface Finding {
  /** `templates/api.yaml` */
  template: string;
  /** `Deployment/my-dify-api` */
  object: string;
  message: string;
}

export interface RenderedDoc {
  template: string;
  object: Record<string, unknown>;
}

export function formatFinding(f: Finding): string {
  return `${f.template}: ${f.object}: ${f.message}`;
}

/** The objects of a release's manifests (each one YAML document), each with the template it came from. */
export function manifestDocs(manifests: Pick<Manifest, 'source' | 'content'>[]): { docs: RenderedDoc[]; findings: Finding[] } {
  const docs: RenderedDoc[] = [];
  const findings: Finding[] = [];
  for (const { source, content } of manifests) {
    // `dify/templates/api.yaml` → `templates/api.yaml`, as findings name templates.
    const template = source.includes('/') ? source.slice(source.indexOf('/') + 1) : source;
    for (const doc of parseAllDocuments(content, { version: '1.1' })) {
      if (doc.errors.length > 0) {
        findings.push({ template, object: '-', message: `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}` });
        continue;
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        findings.push({ template, object: '-', message: 'document is not a Kubernetes object (not a map)' });
        continue;
      }
      docs.push({ template, object: value as Record<string, unknown> });
    }
  }
  return { docs, findings };
}

/** The objects of `helm template`-style output (split as Helm splits it), each with the template its `# Source:` line names. */
export function textDocs(text: string, file = 'manifests'): { docs: RenderedDoc[]; findings: Finding[] } {
  return manifestDocs(
    splitManifests(text).map((content) => {
      const src = /^# Source: (.+)$/m.exec(content);
      return { source: src ? src[1]!.trim() : file, content };
    }),
  );
}

function objectName(obj: Record<string, unknown>): string {
  const kind = typeof obj['kind'] === 'string' && obj['kind'] !== '' ? obj['kind'] : '<no kind>';
  const meta = obj['metadata'];
  const name = meta && typeof meta === 'object' && typeof (meta as Record<string, unknown>)['name'] === 'string' ? String((meta as Record<string, unknown>)['name']) : '<no name>';
  return `${kind}/${name}`;
}

/**
 * Schema and rule findings of rendered objects, in manifest order. `seen` holds the objects met so far
 * (a List's items join the objects around it: kubectl applies them as if they stood alone).
 */
export async function lintObjects(docs: RenderedDoc[], seen = new Map<string, string>()): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { template, object } of docs) {
    const id = objectName(object);
    const push = (message: string) => findings.push({ template, object: id, message });
    if (typeof object['apiVersion'] !== 'string' || typeof object['kind'] !== 'string') {
      push('apiVersion and kind are required');
      continue;
    }
    // Two objects of the same group, kind and name would overwrite each other on apply.
    const apiVersion = object['apiVersion'];
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const key = `${group}/${id}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) push(`duplicate object (also rendered by ${earlier})`);
    else seen.set(key, template);
    // A v1 List is kubectl's, not the API server's: no schema of its own; its items are the objects (and lint as them).
    if (apiVersion === 'v1' && object['kind'] === 'List') {
      const items: unknown = object['items'] ?? [];
      if (!Array.isArray(items)) {
        push('items: a List holds a list of objects');
        continue;
      }
      const inner: RenderedDoc[] = [];
      items.forEach((item: unknown, i) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return push(`items[${i}]: not a Kubernetes object (not a map)`);
        inner.push({ template, object: item as Record<string, unknown> });
        // Helm keeps an object it is told to keep only at the top level (helm lint's validateListAnnotations).
        const meta = (item as Record<string, unknown>)['metadata'];
        const notes = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['annotations'] : undefined;
        if (typeof notes === 'object' && notes !== null && Object.hasOwn(notes, 'helm.sh/resource-policy')) {
          push(`items[${i}]: the helm.sh/resource-policy annotation is ignored within a List`);
        }
      });
      for (const m of chartRules(object)) push(m);
      for (const f of await lintObjects(inner, seen)) findings.push({ ...f, object: `${id} ${f.object}` });
      continue;
    }
    const schemaErrors = await validateObject(object);
    if (schemaErrors === null) push(`no schema for ${apiVersion} ${object['kind']}`);
    else for (const e of schemaErrors) push(e);
    for (const m of chartRules(object)) push(m);
  }
  return findings;
}

