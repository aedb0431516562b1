/**
 * The values stage: chart defaults, then the user's -f files and --set flags in Helm 3's order,
 * coalesced and checked against the schema.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { coalesceValues, mergeValueMaps } from './coalesce.js';
import { loadChartDefaults, loadValuesFile, MAX_VALUES_DEPTH, parseValuesDocument, readText, tooDeepMessage, type LoadedValues } from './load.js';
import { cloneMap, deepFreeze } from './maps.js';
import { Provenance, type SourceOf } from './provenance.js';
import { parseInto, type SetFlag } from './strvals.js';
import { isMap, type Value, type ValueMap } from './types.js';
import { UserError } from '../errors.js';
import { formatPath, validateValues, valuesError, type ValuesValidator } from './validate.js';

export interface BuildValuesOptions {
  chartDir: string;
  /** -f/--values, in command-line order; `-` is standard input. */
  valueFiles: string[];
  set: string[];
  setString: string[];
  setFile: string[];
  setJson: string[];
  /** --set-literal (Helm 3.13+): each value taken as it is, applied after every other flag. */
  setLiteral?: string[];
  /** The JSON Schema to check the result against; no check when absent. */
  schemaPath?: string;
  stdin?: () => string;
  /**
   * The chart's defaults and validator prepared at build time (dist/generated), used instead of
   * parsing values.yaml and compiling the schema at every start. Defaults carry no positions.
   */
  prepared?: PreparedValues;
}

/** A chart's defaults and validator made once, for any number of buildValues calls. */
export interface PreparedValues {
  defaults: ValueMap;
  validator: ValuesValidator;
  chartName: string;
  /** Where each default was written (for error messages); none for the build's defaults. */
  positions?: Provenance;
  /** How many builds used it: from the second on, the defaults are frozen and shared (see below). */
  uses?: number;
}

export interface BuiltValues {
  values: ValueMap;
  /** A values file's duplicate keys, then Helm's coalescing warnings, one line each, for the CLI to print to stderr. */
  warnings: string[];
  /** Which file position or flag supplied a value path. */
  sourceOf: SourceOf;
}

/** Builds `.Values` exactly as `helm template` does; throws UserError on any bad input. */
export function buildValues(opts: BuildValuesOptions): BuiltValues {
  const prepared = opts.prepared;
  // Defaults used again (the warm, in-process path) are frozen once: then coalescing shares the
  // subtrees the user left alone instead of copying them, and the quick check remembers their
  // validity. A single build (the CLI) copies as before and pays nothing for the freeze.
  if (prepared && (prepared.uses = (prepared.uses ?? 0) + 1) === 2) deepFreeze(prepared.defaults);
  const defaults: LoadedValues = prepared
    ? { values: prepared.defaults, source: join(opts.chartDir, 'values.yaml'), positions: prepared.positions ?? new Provenance() }
    : loadChartDefaults(opts.chartDir);

  // pkg/cli/values/options.go MergeValues: files in order, then --set-json, --set,
  // --set-string, --set-file, --set-literal, each parsed into the same map.
  let user: ValueMap = {};
  const userSources = new Provenance();
  const fileWarnings: string[] = [];
  for (const file of opts.valueFiles) {
    const loaded = loadValuesFile(file, opts.stdin);
    // Before the recursive steps below (the provenance overlay, the merge): a file's line reader
    // reads any depth without recursion, so a block map thousands deep would overflow them first.
    checkDepth(loaded.values, (path) => loaded.positions.sourceOf(path));
    if (loaded.warnings) fileWarnings.push(...loaded.warnings);
    userSources.overlay(loaded.positions, user, loaded.values);
    user = mergeValueMaps(user, loaded.values);
  }
  user = cloneMap(user); // parseInto writes in place; keep the merged files untouched
  const layers: [SetFlag, string[]][] = [
    ['set-json', opts.setJson],
    ['set', opts.set],
    ['set-string', opts.setString],
    ['set-file', opts.setFile],
    ['set-literal', opts.setLiteral ?? []],
  ];
  for (const [flag, args] of layers) {
    for (const arg of args) {
      parseInto(flag, arg, user, {
        stdin: opts.stdin,
        onAssign: (path, value, text) => userSources.recordTree(path, value, text),
      });
    }
  }

  // Again for what the flags added; files alone need no second walk (merging maps nests none deeper
  // than the deepest file, each checked above).
  if (layers.some(([, args]) => args.length > 0)) checkDepth(user, (path) => userSources.sourceOf(path));
  const { values, warnings: coalesced } = coalesceValues(user, defaults.values, prepared?.chartName ?? chartName(opts.chartDir));
  // Where each value came from is only asked to explain an error: worked out on first need.
  let sources: Provenance | undefined;
  const sourceOf: SourceOf = (path, exact) => {
    if (sources === undefined) {
      sources = defaults.positions.clone();
      sources.overlay(userSources, defaults.values, user);
    }
    return sources.sourceOf(path, exact);
  };
  if (prepared) {
    const lines = prepared.validator(values, sourceOf);
    if (lines.length > 0) throw valuesError(lines);
  } else if (opts.schemaPath !== undefined) validateValues(values, opts.schemaPath, sourceOf);
  return { values, warnings: fileWarnings.length > 0 ? [...fileWarnings, ...coalesced] : coalesced, sourceOf };
}

export { MAX_VALUES_DEPTH };

/** Values nested deeper than MAX_VALUES_DEPTH fail here with one line naming where, not deep in a later step. */
function checkDepth(user: ValueMap, sourceOf: SourceOf): void {
  // Depth-first without recursion; each entry links to its parent, to name a failure's path.
  interface Entry {
    value: Value;
    depth: number;
    parent?: Entry;
    key?: string;
  }
  const stack: Entry[] = [{ value: user, depth: 0 }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.depth > MAX_VALUES_DEPTH) {
      const path: string[] = [];
      for (let at: Entry | undefined = e; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      const where = sourceOf(path);
      throw new UserError(tooDeepMessage(formatPath(user, path.slice(0, 4)), where));
    }
    const v = e.value;
    const entries: [string, Value][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : isMap(v) ? Object.entries(v) : [];
    for (const [key, value] of entries) if (value !== null && typeof value === 'object') stack.push({ value, depth: e.depth + 1, parent: e, key });
  }
}

/** The chart's name from Chart.yaml (Helm prefixes warning paths with it). */
function chartName(chartDir: string): string {
  const file = join(chartDir, 'Chart.yaml');
  if (existsSync(file)) {
    const meta = parseValuesDocument(readText(file), file).values;
    const name = meta['name'];
    if (typeof name === 'string' && name !== '') return name;
  }
  return basename(chartDir);
}

export { isMap, type Scalar, type Value, type ValueMap } from './types.js';
export { parseValuesYaml, parseValuesDocument, loadValuesFile, loadChartDefaults, type LoadedValues } from './load.js';
export { parseInto, parseSet, typedVal, type SetFlag, type StrvalsOptions } from './strvals.js';
export { coalesceValues, mergeValueMaps, type CoalesceResult } from './coalesce.js';
export { compileValidator, loadValidator, validateValues, validatorFor, validatorFromCheck, AJV_OPTIONS, type ValuesValidator, type CheckFn } from './validate.js';
export { Provenance, type SourceOf } from './provenance.js';
