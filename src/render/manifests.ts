/**
 * From rendered template files to what `helm template` (Helm 3.15) prints: documents split as
 * releaseutil.SplitManifests splits them, hooks set apart, kinds in Helm's install order, each
 * printed under a `# Source:` header; plus `--show-only` and `--output-dir` as Helm does them.
 */
import { posix } from 'node:path';
import { compareGoStrings } from '../go/fmt.js';
import { goPathMatch } from '../go/filepath.js';
import { goToLower, goTrimSpace } from '../go/strings.js';
import { UserError } from '../errors.js';
import { readGoYaml } from '../values/load.js';
import { decodeJson, DecodeError, field, stringFieldOf, type GoStruct, type StructType } from '../go/jsonstruct.js';
import { scanHead, simpleHeadOk, type ScannedHead } from './yamlhead.js';

/** Helm's releaseutil.InstallOrder. Unknown kinds come after these, alphabetically. */
export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** The `helm.sh/hook` events Helm knows; a document naming any other is dropped. */
export const HOOK_EVENTS: ReadonlySet<string> = new Set([
  'pre-install',
  'post-install',
  'pre-delete',
  'post-delete',
  'pre-upgrade',
  'post-upgrade',
  'pre-rollback',
  'post-rollback',
  'test',
  'test-success',
]);

const HOOK_ANNOTATION = 'helm.sh/hook';
const RANK = new Map(INSTALL_ORDER.map((k, i) => [k, i]));

/** One rendered template file, named as Helm names it (`dify/templates/api.yaml`). */
export interface TemplateOutput {
  path: string;
  content: string;
}

/** One YAML document of the release. */
export interface Manifest {
  /** The template it came from, `dify/templates/api.yaml`. */
  source: string;
  /** The document, whitespace-trimmed as Helm trims it. */
  content: string;
  /** `kind` as Helm's SimpleHead reads it ("" when absent). */
  kind: string;
  /** Set when the document is a Helm hook: hooks print after every other manifest. */
  hookEvents?: string[];
  /** Set when orderManifests read the head (by the line scan or as Helm does), so assertParses need not look again. */
  headChecked?: true;
  /** Set when Helm fails reading the document: why, which assertParses throws. */
  invalid?: string;
}

// ---------------------------------------------------------------------------------------------
// Splitting

/** RE2's \s. */
const isRe2Space = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;

/** The leftmost `\s*\n---` at or after `from`: where the match starts and where its dashes are. */
function nextSeparator(s: string, from: number): { start: number; dashes: number } | undefined {
  // Dashes first, then the newline before them: '\n' starts every line, so a search led by it
  // stops at each one (twice as slow on a release).
  let d = s.indexOf('---', from + 1);
  while (d >= 0 && s.charCodeAt(d - 1) !== 0x0a) d = s.indexOf('---', d + 3);
  if (d < 0) return undefined;
  const nl = d - 1;
  let start = nl;
  while (start > from && isRe2Space(s.charCodeAt(start - 1))) start--;
  return { start, dashes: nl + 1 };
}

/**
 * releaseutil.SplitManifests, in document order: the text is trimmed, split at `---` lines
 * (a `---` line's trailing text becomes the next document's start), empty pieces dropped, the
 * rest trimmed. A piece of only comments is a document; so is one of only exotic whitespace
 * (it trims to ""). The separator is releaseutil's `(?:^|\s*\n)---\s*` with Go's \s
 * ([\t\n\f\r ]), found with indexOf: the regex itself retries its `\s*\n` at every position.
 */
export function splitManifests(text: string): string[] {
  return splitTrimmed(goTrimSpace(text));
}

/** splitManifests of text already trimmed. */
function splitTrimmed(whole: string): string[] {
  const pieces: string[] = [];
  let from = 0;
  let sep = whole.startsWith('---') ? { start: 0, dashes: 0 } : nextSeparator(whole, 0);
  while (sep) {
    pieces.push(whole.slice(from, sep.start));
    let after = sep.dashes + 3;
    while (after < whole.length && isRe2Space(whole.charCodeAt(after))) after++;
    from = after;
    sep = nextSeparator(whole, from);
  }
  pieces.push(whole.slice(from));
  return pieces.filter((p) => p !== '').map(goTrimSpace);
}

// ---------------------------------------------------------------------------------------------
// Kinds and hooks

/** The document's kind as Helm's SimpleHead reads it ("" when there is none, or when Helm fails reading it). */
export function manifestKind(doc: string): string {
  const head = scanHead(doc) ?? readHead('document', doc);
  return 'error' in head ? '' : head.kind;
}

/** A document's head as Helm reads it, or why Helm fails reading the document. */
type Head = ScannedHead | { error: string };

/** releaseutil.SimpleHead: apiVersion, kind, and metadata (a pointer to an anonymous struct) with name and annotations. */
const SIMPLE_HEAD: StructType = {
  goName: 'releaseutil.SimpleHead',
  fields: [
    field('apiVersion', { t: 'string' }),
    field('kind', { t: 'string' }),
    field('metadata', {
      t: 'struct',
      of: { goName: 'struct { Name string "json:\\"name\\""; Annotations map[string]string "json:\\"annotations\\"" }', fields: [field('name', { t: 'string' }), field('annotations', { t: 'stringMap' })] },
    }),
  ],
};
const HEAD_STRINGS = stringFieldOf(SIMPLE_HEAD);

/**
 * The slow path, for a document the line scan is not sure of: read as sigs.k8s.io/yaml.Unmarshal
 * reads it into releaseutil.SimpleHead (the values loader's go-yaml reading, which is Helm's for
 * values too, then json.Unmarshal).
 */
function readHead(source: string, doc: string): Head {
  let head: GoStruct;
  try {
    const { value } = readGoYaml(doc, source, { stringField: HEAD_STRINGS, keepClashingKeys: true });
    head = decodeJson(value, SIMPLE_HEAD, { strict: false, fromYaml: true });
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.message };
    if (!(e instanceof UserError) || e.line === undefined) throw e;
    const prefix = `${source}:${e.line}:${e.col ?? 0}: `;
    const what = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return { error: `line ${e.line}, column ${e.col ?? 0}: ${what}` };
  }
  const annotations = (head['metadata'] as GoStruct | undefined)?.['annotations'] as Record<string, string> | undefined;
  return { kind: (head['kind'] as string | undefined) ?? '', hook: annotations && Object.hasOwn(annotations, HOOK_ANNOTATION) ? annotations[HOOK_ANNOTATION] : undefined };
}

/** The `helm.sh/hook` annotation's text as Helm's SimpleHead reads it (undefined when absent); `scan: false` skips the line scan. */
export function hookText(doc: string, scan = true): string | undefined {
  const head = (scan ? scanHead(doc) : undefined) ?? readHead('document', doc);
  return 'error' in head ? undefined : head.hook;
}

/** The hook events of a document whose `helm.sh/hook` annotation reads `text`. */
function hookEvents(text: string | undefined): string[] | undefined | 'unknown' {
  if (text === undefined) return undefined;
  const events = text.split(',').map((e) => goToLower(goTrimSpace(e)));
  return events.every((e) => HOOK_EVENTS.has(e)) ? events : 'unknown';
}

/** Helm's lessByKind as a comparator: install order, unknown kinds last and alphabetical. */
export function compareKinds(a: string, b: string): number {
  const ra = RANK.get(a);
  const rb = RANK.get(b);
  if (ra === undefined && rb === undefined) return a === b ? 0 : compareGoStrings(a, b);
  if (ra === undefined) return 1;
  if (rb === undefined) return -1;
  return ra - rb;
}

/**
 * releaseutil.SortManifests: files in path order (partials, NOTES.txt and blank files skipped),
 * each split into documents; hooks (with known events) set apart, unknown hooks dropped; both
 * groups stably sorted by kind. Returns the manifests then the hooks, in print order.
 */
export function orderManifests(files: TemplateOutput[]): Manifest[] {
  const generic: Manifest[] = [];
  const hooks: Manifest[] = [];
  const sorted = [...files].sort((a, b) => compareGoStrings(a.path, b.path));
  for (const f of sorted) {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (base.startsWith('_') || f.path.endsWith('NOTES.txt')) continue;
    const whole = goTrimSpace(f.content);
    if (whole === '') continue;
    for (const content of splitTrimmed(whole)) {
      // One line scan per document reads the head and answers the parse check; what it is not sure
      // of is read as Helm reads it, once.
      const head = scanHead(content) ?? readHead(f.path, content);
      if ('error' in head) {
        generic.push({ source: f.path, content, kind: '', invalid: head.error });
        continue;
      }
      const hook = hookEvents(head.hook);
      if (hook === 'unknown') continue;
      const m: Manifest = { source: f.path, content, kind: head.kind, headChecked: true };
      if (hook) {
        m.hookEvents = hook;
        hooks.push(m);
      } else generic.push(m);
    }
  }
  const byKind = (a: Manifest, b: Manifest): number => compareKinds(a.kind, b.kind);
  return [...generic.sort(byKind), ...hooks.sort(byKind)];
}

// ---------------------------------------------------------------------------------------------
// Parse check

/**
 * Throws the error Helm would hit reading the document's head: YAML go-yaml does not read, a
 * document sigs.k8s.io/yaml cannot make JSON of, or one json.Unmarshal cannot put into Helm's
 * SimpleHead (not a mapping; kind, apiVersion or metadata of the wrong type).
 * Message: `template dify/templates/x.yaml produced invalid YAML: <reason>`.
 */
export function assertParses(m: Manifest): void {
  if (m.invalid === undefined && (m.headChecked || simpleHeadOk(m.content, m.kind))) return;
  const head: Head = m.invalid !== undefined ? { error: m.invalid } : readHead(m.source, m.content);
  if ('error' in head) throw new UserError(`template ${m.source} produced invalid YAML: ${head.error}`, { file: m.source });
  if (head.kind !== m.kind) {
    throw new Error(`template ${m.source}: the manifest says kind "${m.kind}" where the YAML says "${head.kind}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

function header(m: Manifest): string {
  return `---\n# Source: ${m.source}\n${m.content}\n`;
}

/** Which hooks `helm template` prints: `--skip-tests` leaves out test hooks, `--no-hooks` every hook. */
export interface HookChoice {
  skipTests?: boolean;
  noHooks?: boolean;
}

/**
 * The manifests `helm template` prints under `--skip-tests` and `--no-hooks` (cmd/helm/template.go):
 * every hook is still rendered and checked, then left out. A test hook is one with the `test`
 * event, which Helm 2's `test-success` also names.
 */
export function shownManifests(manifests: Manifest[], choice: HookChoice): Manifest[] {
  if (!choice.skipTests && !choice.noHooks) return manifests;
  return manifests.filter((m) => !m.hookEvents || (!choice.noHooks && !m.hookEvents.some((e) => e === 'test' || e === 'test-success')));
}

export interface PrintOptions {
  /** `--show-only` patterns, e.g. `templates/api.yaml` or `templates/*.yaml`. */
  showOnly?: string[];
}

/**
 * The text `helm template` prints: every manifest as `---\n# Source: <path>\n<doc>\n`, that block
 * trimmed and ended with one newline (no manifests print "\n"), then the hooks the same way.
 */
export function printManifests(manifests: Manifest[], opts: PrintOptions = {}): string {
  // Concatenated, not joined: a joined copy of a whole release (over V8's 128 KiB limit for
  // ordinary objects) costs a large-object allocation, and whoever reads the text flattens it
  // once anyway. Every block starts with `---`, so trimming them all trims the last one's end.
  let main = '';
  let last: string | undefined;
  let hooks = '';
  for (const m of manifests) {
    if (m.hookEvents) hooks += header(m);
    else {
      if (last !== undefined) main += last;
      last = header(m);
    }
  }
  const text = `${last === undefined ? '' : main + goTrimSpace(last)}\n${hooks}`;
  return opts.showOnly && opts.showOnly.length > 0 ? selectShowOnly(text, opts.showOnly) : text;
}

const SOURCE = /# Source: [^/]+\/([^\n]+)/;

/**
 * `--show-only` as cmd/helm/template.go does it: the printed text is split again, each document's
 * Source path without the chart name (`templates/api.yaml`) is matched with Go's filepath.Match,
 * pattern by pattern, each printed as `---\n<doc>\n`. A pattern matching nothing is an error.
 */
export function selectShowOnly(printed: string, patterns: string[]): string {
  const docs = splitManifests(printed);
  const out: string[] = [];
  for (const pattern of patterns) {
    let missing = true;
    for (const doc of docs) {
      const m = SOURCE.exec(doc);
      if (!m || !goPathMatch(pattern, m[1]!)) continue;
      out.push(`---\n${doc}\n`);
      missing = false;
    }
    if (missing) throw templateNotFound(pattern, docs.map((d) => SOURCE.exec(d)?.[1]).filter((x): x is string => x !== undefined));
  }
  return out.join('');
}

/**
 * Helm's `could not find template P in chart`, with the path the user probably meant: paths are
 * relative to the chart (`templates/api/deployment.yaml`), so `api/deployment.yaml` or
 * `templates/api/deployment.yaml.hbs` names a template whose path ends the same way; a name many
 * components share (`deployment.yaml`) suggests them all (`templates/*\/deployment.yaml`); and a
 * component named as a file (`api.yaml`, `templates/api.yaml`, the layout before folders) suggests
 * its folder (`templates/api/*`).
 */
export function templateNotFound(pattern: string, templates: string[]): UserError {
  // `dify/templates/...` names the chart too; Helm's paths start at templates/.
  const base = pattern.replace(/\.hbs$/, '').replace(/^\.\//, '').replace(/^[^/]+\/(?=templates\/)/, '');
  const near = nearTemplate(base, [...new Set(templates)]);
  const hint =
    near !== undefined
      ? `; did you mean ${near}?`
      : base.startsWith('templates/')
        ? ''
        : '; paths are relative to the chart, e.g. templates/api/deployment.yaml';
  return new UserError(`could not find template ${pattern} in chart${hint}`);
}

function nearTemplate(base: string, templates: string[]): string | undefined {
  const same = templates.find((t) => t === base || t === `templates/${base}` || base.endsWith(`/${t}`));
  if (same !== undefined) return same;
  const ending = templates.filter((t) => t.endsWith(`/${base}`));
  if (ending.length === 1) return ending[0];
  const everyFolder = `templates/*/${base}`;
  if (ending.length > 1 && !base.includes('/') && ending.every((t) => goPathMatch(everyFolder, t))) return everyFolder;
  if (ending.length > 0) return ending[0];
  const component = /^(?:templates\/)?([^/*?[\\]+)\.yaml$/.exec(base)?.[1];
  const folder = `templates/${component}/`;
  if (component !== undefined && templates.some((t) => t.startsWith(folder))) return `${folder}*`;
  return undefined;
}

export interface OutputFile {
  /** Relative to the output directory: `dify/templates/api.yaml` (`<release>/dify/...` with --release-name). */
  path: string;
  content: string;
}

/**
 * The files `helm template --output-dir DIR` writes: one per template, its documents (manifests,
 * then hooks) each as `---\n# Source: <path>\n<doc>\n`, in print order.
 */
export function outputDirLayout(manifests: Manifest[], opts: { releaseName?: string } = {}): OutputFile[] {
  const files = new Map<string, string>();
  for (const m of [...manifests.filter((x) => !x.hookEvents), ...manifests.filter((x) => x.hookEvents)]) {
    files.set(m.source, (files.get(m.source) ?? '') + header(m));
  }
  const prefix = opts.releaseName ? `${opts.releaseName}/` : '';
  return [...files].map(([source, content]) => ({ path: prefix + source, content }));
}

/** What `helm template --output-dir DIR` prints: `wrote DIR/<path>` per document, then a blank line. */
export function outputDirLog(dir: string, manifests: Manifest[], opts: { releaseName?: string } = {}): string {
  const base = opts.releaseName ? posix.join(dir, opts.releaseName) : dir; // filepath.Join cleans
  const order = [...manifests.filter((x) => !x.hookEvents), ...manifests.filter((x) => x.hookEvents)];
  return order.map((m) => `wrote ${base}/${m.source}\n`).join('') + '\n';
}
