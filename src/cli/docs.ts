/** `docs`: regenerate (or, with --check, verify) the values table of the chart's README. */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { defaultReadme, spliceTable, valuesTable } from '../docs/values-table.js';
import { describeFsError, UserError } from '../errors.js';
import { DEFAULT_CHART_DIR } from '../chart/locations.js';
import { writeAtomic } from '../io/files.js';
import type { IO } from './common.js';

export interface DocsFlags {
  chart?: string;
  schema?: string;
  readme?: string;
  check?: boolean;
}


function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: ${describeFsError(e, 'read')}`, { file: path });
  }
}

/** The README as it should be: the current one (or a new one) with a fresh values table. */
export function expectedReadme(opts: { chartDir: string; schemaPath: string; readmePath: string }): { current: string | undefined; expected: string } {
  const valuesPath = join(opts.chartDir, 'values.yaml');
  const values = readText(valuesPath);
  let schema: Record<string, unknown> | undefined;
  // The schema is the fallback for keys without a `# --` comment; a chart may have none.
  if (existsSync(opts.schemaPath)) {
    try {
      schema = JSON.parse(readText(opts.schemaPath)) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${opts.schemaPath}: not valid JSON: ${(e as Error).message}`, { file: opts.schemaPath });
    }
  }
  const table = valuesTable(values, schema, valuesPath);
  const current = existsSync(opts.readmePath) ? readText(opts.readmePath) : undefined;
  let base = current;
  if (base === undefined) {
    const meta = (parse(readText(join(opts.chartDir, 'Chart.yaml'))) ?? {}) as { name?: unknown; description?: unknown };
    base = defaultReadme({
      name: typeof meta.name === 'string' ? meta.name : 'chart',
      ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
    });
  }
  return { current, expected: spliceTable(base, table, opts.readmePath) };
}

export async function docsCommand(flags: DocsFlags, io: IO): Promise<void> {
  const chartDir = flags.chart ?? DEFAULT_CHART_DIR;
  const readmePath = flags.readme ?? join(chartDir, 'README.md');
  const { current, expected } = expectedReadme({ chartDir, schemaPath: flags.schema ?? join(chartDir, 'values.schema.json'), readmePath });
  const shown = relative(process.cwd(), readmePath) || readmePath;
  if (flags.check) {
    if (current !== expected) {
      throw new UserError(`${shown} is stale: run \`dify-chart docs\` to regenerate its values table`);
    }
    io.out(`${shown} is up to date\n`);
    return;
  }
  if (current === expected) {
    io.out(`${shown} is up to date\n`);
    return;
  }
  writeAtomic(readmePath, expected);
  io.out(`Wrote the values table to ${shown}\n`);
}
