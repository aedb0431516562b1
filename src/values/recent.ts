/**
 * Recent builds of one chart's values, by their inputs: the same -f file bytes and the same
 * --set/--set-string/--set-json flags always build the same values, so a long-running caller
 * (a renderer asked for the same tenant again) gets the earlier, already validated result. The
 * values are deep-frozen to be shared safely; the warnings are copied out each time.
 *
 * A build is held only when its inputs come a second time: holding costs a deep freeze and keeps
 * the tree alive, which a loop whose values differ every time (one render per tenant) would pay
 * for nothing. What was seen is remembered as a digest of the files, not their text.
 */
import { sha256 } from '../digest.js';
import { deepFreeze } from './maps.js';
import type { SourceOf } from './provenance.js';
import type { ValueMap } from './types.js';

export interface RecentBuild {
  values: ValueMap;
  warnings: readonly string[];
  sourceOf: SourceOf;
}

interface Entry {
  texts: readonly string[];
  build: RecentBuild;
}

export class RecentBuilds {
  /** In use order, least recent first (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  /** Inputs seen once: the flags' key and a digest of the files' texts. */
  private readonly seen = new Map<string, string>();

  constructor(private readonly limit = 64) {}

  /** The build for these flags (`key`) whose files read exactly `texts`, if it is still held. */
  get(key: string, texts: readonly string[]): RecentBuild | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.texts.length !== texts.length || e.texts.some((t, i) => t !== texts[i])) return undefined;
    touch(this.entries, key, e, this.limit);
    return e.build;
  }

  /**
   * Offers a validated build: held (its values frozen; the least recently used goes past the
   * limit) if the same inputs were offered before, else only remembered. Returns whether it is held.
   */
  offer(key: string, texts: readonly string[], build: RecentBuild): boolean {
    const digest = sha256(JSON.stringify(texts), 'base64');
    if (this.seen.get(key) !== digest) {
      touch(this.seen, key, digest, 4 * this.limit);
      return false;
    }
    deepFreeze(build.values);
    touch(this.entries, key, { texts: [...texts], build }, this.limit);
    return true;
  }
}

/** Sets `key` as the most recently used entry of `map`, dropping the least recently used past `limit`. */
function touch<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value as string);
}
