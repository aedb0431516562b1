/** `dify-chart --version` and `dify-chart version`: the tool's version and the shipped chart's. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CHART_DIR } from '../chart/locations.js';

/** A top-level scalar of a YAML file read without a parser (`version: 0.1.0`, `appVersion: "1.7.1"`). */
function field(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key}:[ \\t]*["']?([^"'\\s#]+)`, 'm').exec(text);
  return m?.[1];
}

/** `dify-chart 0.1.0 (chart dify 0.1.0, app 1.7.1)`. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(join(DEFAULT_CHART_DIR, '..', 'package.json'), 'utf8')) as { version?: unknown };
  const tool = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  let chart = '';
  try {
    const text = readFileSync(join(DEFAULT_CHART_DIR, 'Chart.yaml'), 'utf8');
    const name = field(text, 'name') ?? 'dify';
    const version = field(text, 'version');
    const app = field(text, 'appVersion');
    if (version) chart = ` (chart ${name} ${version}${app ? `, app ${app}` : ''})`;
  } catch {
    // The chart is shipped with the tool; without it, the tool's version alone.
  }
  return `dify-chart ${tool}${chart}`;
}
