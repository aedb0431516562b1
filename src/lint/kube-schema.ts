/**
 * Kubernetes schema validation of rendered objects with the `kubernetes-models` packages (the
 * OpenAPI schemas of Kubernetes, External Secrets Operator and Gateway API, compiled to ajv
 * validators). Like kubeconform's -strict mode it also reports fields the schema does not know:
 * the compiled validators read every property their schema declares, so while one runs on a
 * proxy of the object, the keys it never looked at are the unknown ones.
 */

/** Where the model of an apiVersion lives: package and folder. */
const MODEL_PACKAGES: { match: (group: string) => boolean; pkg: string }[] = [
  { match: (g) => g === 'external-secrets.io' || g === 'generators.external-secrets.io', pkg: '@kubernetes-models/external-secrets' },
  { match: (g) => g === 'gateway.networking.k8s.io' || g === 'gateway.networking.x-k8s.io', pkg: '@kubernetes-models/gateway-api' },
  { match: () => true, pkg: 'kubernetes-models' },
];

type ValidateMethod = (this: unknown) => void;

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

const modelCache = new Map<string, ValidateMethod | null>();

/** The model's `validate` method for apiVersion/kind, or null when no package has that model. */
export async function modelValidator(apiVersion: string, kind: string): Promise<ValidateMethod | null> {
  const id = `${apiVersion}/${kind}`;
  if (modelCache.has(id)) return modelCache.get(id)!;
  let found: ValidateMethod | null = null;
  const m = /^(?:([a-z0-9.-]+)\/)?(v[0-9a-z]+)$/.exec(apiVersion);
  if (m && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    const group = m[1] ?? '';
    const version = m[2]!;
    const pkg = MODEL_PACKAGES.find((p) => p.match(group))!.pkg;
    // Core objects live in kubernetes-models/v1; a named group in <pkg>/<group>/<version>.
    const specifier = group === '' ? `${pkg}/${version}/${kind}` : `${pkg}/${group}/${version}/${kind}`;
    try {
      const mod = (await import(specifier)) as Record<string, { prototype?: { validate?: ValidateMethod } } | undefined>;
      const ctor = mod[kind];
      if (ctor?.prototype?.validate) found = ctor.prototype.validate;
    } catch {
      // No such export (ERR_PACKAGE_PATH_NOT_EXPORTED, ERR_MODULE_NOT_FOUND, or a bundler's
      // equivalent): no package models this kind.
    }
  }
  modelCache.set(id, found);
  return found;
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image`. */
export function jsonPointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(root)' : out;
}

function describeError(e: AjvError): string {
  const at = jsonPointerToPath(e.instancePath);
  const params = e.params ?? {};
  switch (e.keyword) {
    case 'required':
      return `${at === '(root)' ? '' : `${at}.`}${String(params['missingProperty'])}: required field is missing`;
    case 'enum':
      return `${at}: must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${at}: must be ${String(params['type'])}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

interface Tracked {
  path: string;
  target: Record<string, unknown>;
  read: Set<string>;
  enumerated: boolean;
}

/** Wrap an object so that every property read and every key enumeration is recorded. */
function tracker(root: unknown): { proxy: unknown; records: Tracked[] } {
  const records: Tracked[] = [];
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const isArray = Array.isArray(value);
    const rec: Tracked = { path, target: value as Record<string, unknown>, read: new Set(), enumerated: false };
    if (!isArray) records.push(rec);
    const children = new Map<string, unknown>();
    return new Proxy(value as object, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof key !== 'string') return v;
        rec.read.add(key);
        if (!Object.prototype.hasOwnProperty.call(target, key) || v === null || typeof v !== 'object') return v;
        if (!children.has(key)) children.set(key, wrap(v, `${path}/${escapePointer(key)}`));
        return children.get(key);
      },
      has(target, key) {
        if (typeof key === 'string') rec.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        rec.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
  };
  return { proxy: wrap(root, ''), records };
}

/** Schema problems of one object, one message each; `null` when no model knows its kind. */
export async function validateObject(obj: Record<string, unknown>): Promise<string[] | null> {
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  const validate = await modelValidator(apiVersion, kind);
  if (!validate) return null;
  const { proxy, records } = tracker(obj);
  try {
    validate.call(proxy);
  } catch (e) {
    const errors = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) throw e;
    // The validator may stop early after an error, so unknown fields are judged only on a pass.
    return [...new Set(errors.map(describeError))];
  }
  const unknown: string[] = [];
  for (const rec of records) {
    // A free-form object (no declared properties: the validator read none) or a map whose keys
    // the validator enumerated (additionalProperties) has no unknown fields.
    if (rec.enumerated || rec.read.size === 0) continue;
    for (const key of Object.keys(rec.target)) {
      if (!rec.read.has(key)) unknown.push(`${jsonPointerToPath(`${rec.path}/${escapePointer(key)}`)}: unknown field`);
    }
  }
  return unknown;
}
