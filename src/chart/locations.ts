/** Where the shipped chart, its schema and the build's generated modules live (from dist/<stage>/). */
import { fileURLToPath } from 'node:url';
import { lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_CHART_DIR = join(ROOT, 'chart');
/** The shipped chart's schema, kept in the chart folder as Helm keeps one (a copied chart keeps it). */
export const DEFAULT_SCHEMA = join(DEFAULT_CHART_DIR, 'values.schema.json');
export const GENERATED_DIR = join(ROOT, 'dist', 'generated');
/** The single-file CLI bin/dify-chart runs. */
export const BUNDLE = join(GENERATED_DIR, '..', 'cli', 'dify-chart.cjs');
/** The developer fixtures (values files that exercise every template); the build warms up on them. */
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');

/** The schema a chart's values are checked with: `<chart>/values.schema.json`, as Helm does; none without one. */
export function schemaFor(chart: string | undefined): string | undefined {
  if (chart === undefined || resolve(chart) === resolve(DEFAULT_CHART_DIR)) return DEFAULT_SCHEMA;
  const own = join(chart, 'values.schema.json');
  // Whatever is there, a link or a FIFO too, is the schema (refused when read), never "no schema".
  return lstatSync(own, { throwIfNoEntry: false }) ? own : undefined;
}

/** The stderr line saying a `--chart` folder's values go unchecked, or undefined when it has a schema. */
export function noSchemaWarning(chart: string | undefined): string | undefined {
  if (schemaFor(chart) !== undefined) return undefined;
  return `warning: ${join(chart ?? DEFAULT_CHART_DIR, 'values.schema.json')}: no such file; values are not checked against a schema`;
}
