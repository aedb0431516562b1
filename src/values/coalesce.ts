/**
 * Helm 3's two merges of values.
 *
 * mergeValueMaps is options.go's mergeMaps, used between -f files: maps merge key by key,
 * anything else (lists, scalars, null) replaces. coalesceValues is chartutil.CoalesceValues
 * for a chart without dependencies: user values win, chart defaults fill what is missing, a
 * user `null` deletes the key where the chart has one, and type clashes keep the user value
 * and warn with Helm's words.
 *
 * Both are small recursions rather than `deepmerge`: deepmerge silently drops keys that shadow
 * Object.prototype members (a values key named `constructor` or `toString` disappears), and
 * Helm's null deletion and warnings are not expressible through its options.
 */
import { strval } from '../go/fmt.js';
import { cloneMap, cloneValue, getKey, hasKey, setKey } from './maps.js';
import { isMap, type Value, type ValueMap } from './types.js';

export interface CoalesceResult {
  values: ValueMap;
  /** Helm's warnings, e.g. `warning: skipped value for dify.api: Not a table.`, sorted. */
  warnings: string[];
}

/** `over` laid onto `base` as Helm merges successive -f files. Inputs are not modified. */
export function mergeValueMaps(base: ValueMap, over: ValueMap): ValueMap {
  const out = cloneMap(base);
  for (const k of Object.keys(over)) {
    const v = over[k] as Value;
    const b = getKey(out, k);
    setKey(out, k, isMap(v) && b !== undefined && isMap(b) ? mergeValueMaps(b, v) : cloneValue(v));
  }
  return out;
}

/**
 * User values coalesced with the chart's defaults, as Helm's CoalesceValues does before
 * rendering. `chartName` prefixes warning paths, as Helm's do. Inputs are not modified. Frozen
 * defaults (see deepFreeze) are not copied: the result shares the subtrees the user left alone.
 */
export function coalesceValues(user: ValueMap, defaults: ValueMap, chartName: string): CoalesceResult {
  const out = cloneMap(user);
  // Only the user's side is ever written below, so immutable defaults can be shared as they are.
  const defs = Object.isFrozen(defaults) ? defaults : cloneMap(defaults);
  const warnings: string[] = [];
  for (const key of Object.keys(defs)) {
    const val = defs[key] as Value;
    if (!hasKey(out, key)) {
      setKey(out, key, val);
      continue;
    }
    const value = out[key] as Value;
    if (value === null) {
      delete out[key]; // the user's null removes the chart's key
    } else if (isMap(value)) {
      if (isMap(val)) coalesceTables(value, val, `${chartName}.${key}`, warnings);
      else if (val !== null) warnings.push(`warning: skipped value for ${chartName}.${key}: Not a table.`);
    }
    // A user scalar or list over anything: the user's value stands, without a word at this level.
  }
  return { values: out, warnings: warnings.sort() };
}

/** Helm's coalesceTablesFullKey (coalescing, not merging): `src` fills `dst`, `dst` wins. */
function coalesceTables(dst: ValueMap, src: ValueMap, prefix: string, warnings: string[]): void {
  for (const key of Object.keys(src)) {
    const val = src[key] as Value;
    const full = `${prefix}.${key}`;
    if (!hasKey(dst, key)) {
      setKey(dst, key, val);
      continue;
    }
    const dv = dst[key] as Value;
    if (dv === null) {
      // A user's null removes a chart default; where the chart's value is null too, the null stays
      // (Helm 3.21's coalesceTablesFullKey; at the top level, coalesceValues removes it either way).
      if (val !== null) delete dst[key];
    } else if (isMap(val)) {
      if (isMap(dv)) coalesceTables(dv, val, full, warnings);
      else warnings.push(`warning: cannot overwrite table with non table for ${full} (${strval(val)})`);
    } else if (isMap(dv) && val !== null) {
      warnings.push(`warning: destination for ${full} is a table. Ignoring non-table value (${strval(val)})`);
    }
  }
}
