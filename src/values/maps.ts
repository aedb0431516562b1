/**
 * Own-property access for ValueMaps. Values come from user files and flags, so a key may be
 * `__proto__` or `constructor`: plain `m[k]` would read the prototype and `m[k] = v` would call
 * the `__proto__` setter instead of storing a value.
 */
import { isMap, type Value, type ValueMap } from './types.js';

export function hasKey(m: ValueMap, k: string): boolean {
  return Object.hasOwn(m, k);
}

export function getKey(m: ValueMap, k: string): Value | undefined {
  return Object.hasOwn(m, k) ? m[k] : undefined;
}

export function setKey(m: ValueMap, k: string, v: Value): void {
  if (k === '__proto__') {
    Object.defineProperty(m, k, { value: v, writable: true, enumerable: true, configurable: true });
  } else {
    m[k] = v;
  }
}

/** A deep copy: maps and lists are new, scalars are shared (they are immutable). */
export function cloneValue(v: Value): Value {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isMap(v)) return cloneMap(v);
  return v;
}

export function cloneMap(m: ValueMap): ValueMap {
  const out: ValueMap = {};
  for (const k of Object.keys(m)) setKey(out, k, cloneValue(m[k]!));
  return out;
}

/**
 * A pure function of a value, remembered for frozen values (see deepFreeze): an immutable tree
 * always gives the same answer, so it is worked out once per tree. Anything else is passed through.
 */
export function rememberFrozen<T>(fn: (v: unknown) => T): (v: unknown) => T {
  const seen = new WeakMap<object, T>();
  return (v) => {
    if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return fn(v);
    if (seen.has(v)) return seen.get(v) as T;
    const answer = fn(v);
    seen.set(v, answer);
    return answer;
  };
}

/**
 * Freezes a value tree in place, so it can be shared between results and its facts (validity,
 * JSON form) remembered by identity. Writing to a frozen tree throws in strict code.
 */
export function deepFreeze<T extends Value>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k of Object.keys(v)) deepFreeze((v as ValueMap)[k] as Value);
    Object.freeze(v);
  }
  return v;
}
