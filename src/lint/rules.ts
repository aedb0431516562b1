/**
 * The chart's own rules, checked on every rendered object:
 * - every container and init container has `resources.requests`, and a name no other container
 *   of its pod has (the API server refuses a repeated one; sidecars and init containers come from
 *   values);
 * - no image runs the `latest` tag, named or implied (no tag and no digest);
 * - every Deployment and StatefulSet pod template carries the app.kubernetes.io labels and its
 *   selector matches them;
 * - no credential in a ConfigMap: a key named like one (PASSWORD, SECRET, TOKEN as a word of the
 *   name, or ending in _KEY) with a non-empty value;
 * - every name is one the API server takes for its kind, as `helm lint` checks it
 *   (pkg/lint/rules/template.go validateMetadataNameFunc: a Service's is a DNS-1035 label).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const REQUIRED_POD_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];

/**
 * Credential-like ConfigMap keys. PASSWORD/SECRET/TOKEN count as words of an env-style name
 * (`DB_PASSWORD`, `SECRET_KEY`, `CODE_EXECUTION_API_TOKEN`), so a setting such as
 * `INDEXING_MAX_SEGMENTATION_TOKENS_LENGTH` is not mistaken for one.
 */
export const SECRET_KEY_PATTERN = /(^|[_.-])(PASSWORD|PASSWD|SECRET|TOKEN)([_.-]|$)|_KEY$/i;

/** The pod template of a workload, with the path it sits at. */
export function podTemplate(obj: Obj): { path: string; template: Obj } | undefined {
  const spec = obj['spec'];
  if (!isObj(spec)) return undefined;
  switch (obj['kind']) {
    case 'Pod':
      return { path: '', template: { metadata: obj['metadata'], spec } };
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return isObj(spec['template']) ? { path: 'spec.template.', template: spec['template'] } : undefined;
    case 'CronJob': {
      const job = spec['jobTemplate'];
      const jobSpec = isObj(job) ? job['spec'] : undefined;
      return isObj(jobSpec) && isObj(jobSpec['template']) ? { path: 'spec.jobTemplate.spec.template.', template: jobSpec['template'] } : undefined;
    }
    default:
      return undefined;
  }
}

/** The tag of an image reference: undefined when it has none, null when pinned by digest. */
export function imageTag(image: string): string | null | undefined {
  if (image.includes('@')) return null;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 ? undefined : last.slice(colon + 1);
}

function containerRules(pod: Obj, at: string): string[] {
  const out: string[] = [];
  const spec = pod['spec'];
  if (!isObj(spec)) return out;
  const seen = new Map<string, string>();
  for (const field of ['initContainers', 'containers'] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, i) => {
      if (!isObj(c)) return;
      const where = `${at}spec.${field}[${i}]`;
      const name = typeof c['name'] === 'string' ? ` (${c['name']})` : '';
      if (typeof c['name'] === 'string') {
        const first = seen.get(c['name']);
        if (first !== undefined) out.push(`${where}${name}: container name already used by ${first}; the API server refuses the pod`);
        else seen.set(c['name'], `${at}spec.${field}[${i}]`);
      }
      const resources = c['resources'];
      const requests = isObj(resources) ? resources['requests'] : undefined;
      if (!isObj(requests) || Object.keys(requests).length === 0) out.push(`${where}${name}: container has no resources.requests`);
      const image = c['image'];
      if (typeof image !== 'string' || image === '') {
        out.push(`${where}${name}: container has no image`);
      } else {
        const tag = imageTag(image);
        if (tag === 'latest') out.push(`${where}${name}: image ${image} uses the latest tag; pin a version`);
        else if (tag === undefined) out.push(`${where}${name}: image ${image} has no tag (implies latest); pin a version`);
        else if (tag === '') out.push(`${where}${name}: image ${image} has an empty tag`);
      }
    });
  }
  return out;
}

function labelRules(obj: Obj, pod: Obj, at: string): string[] {
  const out: string[] = [];
  const meta = pod['metadata'];
  const labels = isObj(meta) && isObj(meta['labels']) ? meta['labels'] : {};
  const missing = REQUIRED_POD_LABELS.filter((l) => typeof labels[l] !== 'string' || labels[l] === '');
  if (missing.length > 0) out.push(`${at}metadata.labels: missing ${missing.join(', ')}`);
  const spec = obj['spec'];
  const selector = isObj(spec) && isObj(spec['selector']) ? spec['selector'] : undefined;
  const match = selector && isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  for (const [k, v] of Object.entries(match)) {
    if (labels[k] !== v) out.push(`spec.selector.matchLabels: ${k}=${String(v)} does not match the pod template's labels`);
  }
  return out;
}

function configMapRules(obj: Obj): string[] {
  const out: string[] = [];
  for (const field of ['data', 'binaryData'] as const) {
    const data = obj[field];
    if (!isObj(data)) continue;
    for (const [k, v] of Object.entries(data)) {
      if (SECRET_KEY_PATTERN.test(k) && v !== null && v !== undefined && String(v) !== '') {
        out.push(`${field}.${k}: looks like a credential; keep it in a Secret`);
      }
    }
  }
  return out;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** What a name of this kind must be, as Helm's lint maps kinds to Kubernetes' validations; undefined: anything. */
function nameRule(kind: string): { ok: (name: string) => boolean; what: string } | undefined {
  switch (kind.toLowerCase()) {
    case 'service':
      return { ok: (n) => n.length <= 63 && DNS1035_LABEL.test(n), what: "a DNS-1035 label (at most 63 lowercase letters, digits and '-', starting with a letter, ending alphanumeric)" };
    case 'namespace':
      return { ok: (n) => n.length <= 63 && DNS1123_LABEL.test(n), what: "a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending alphanumeric)" };
    case 'certificatesigningrequest':
      return undefined;
    case 'role':
    case 'clusterrole':
    case 'rolebinding':
    case 'clusterrolebinding':
      return { ok: (n) => n !== '.' && n !== '..' && !/[/%]/.test(n), what: "a path segment (not '.' or '..', without '/' or '%')" };
    default:
      return { ok: (n) => n.length <= 253 && DNS1123_SUBDOMAIN.test(n), what: "a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', each part starting and ending alphanumeric)" };
  }
}

function nameRules(obj: Obj): string[] {
  const meta = obj['metadata'];
  const name = isObj(meta) ? meta['name'] : undefined;
  const rule = typeof obj['kind'] === 'string' ? nameRule(obj['kind']) : undefined;
  if (typeof name !== 'string' || rule === undefined || rule.ok(name)) return [];
  return [`metadata.name: ${JSON.stringify(name)} does not conform to Kubernetes naming requirements: ${obj['kind']} names are ${rule.what}`];
}

/** Every rule's findings for one object, one message each. */
export function chartRules(obj: Obj): string[] {
  const out: string[] = [];
  const pod = podTemplate(obj);
  if (pod) {
    out.push(...containerRules(pod.template, pod.path));
    if (obj['kind'] === 'Deployment' || obj['kind'] === 'StatefulSet') out.push(...labelRules(obj, pod.template, pod.path));
  }
  if (obj['kind'] === 'ConfigMap') out.push(...configMapRules(obj));
  out.push(...nameRules(obj));
  return out;
}
