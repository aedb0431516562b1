/** Where the shipped chart and schema live, relative to the built CLI (dist/cli/). */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULT_CHART_DIR = join(ROOT, 'chart');
export const DEFAULT_SCHEMA = join(ROOT, 'schema', 'values.schema.json');
