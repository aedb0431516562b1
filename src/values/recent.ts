/**
 * Recent builds of one chart's values, by their inputs: the same -f file bytes and the same
 * --set/--set-string/--set-json flags always build the same values, so a long-running caller
 * (a renderer asked for the same tenant again) gets the earlier, already validated result. The
 * values are deep-frozen to be shared safely; the warnings are copied out each time.
 */
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

  constructor(private readonly limit = 64) {}

  /** The build for these flags (`key`) whose files read exactly `texts`, if it is still held. */
  get(key: string, texts: readonly string[]): RecentBuild | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.texts.length !== texts.length || e.texts.some((t, i) => t !== texts[i])) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.build;
  }

  /** Holds a validated build (freezing its values); the least recently used goes past the limit. */
  set(key: string, texts: readonly string[], build: RecentBuild): void {
    deepFreeze(build.values);
    this.entries.delete(key);
    this.entries.set(key, { texts: [...texts], build });
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}
