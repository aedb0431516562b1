/** `package` and `repo index`: flags in, stage calls, files out. */
import { join } from 'node:path';
import { packageChart } from '../package/chart-archive.js';
import { prebuiltGoTemplates } from '../chart/prebuilt.js';
import { buildIndex } from '../package/repo-index.js';
import { ensureFolder, writeAtomic } from '../io/files.js';
import { noSchemaWarning, DEFAULT_CHART_DIR } from '../chart/locations.js';
import { chartArgument, type IO } from './common.js';

export interface PackageFlags {
  destination: string;
  version?: string;
  appVersion?: string;
  chart?: string;
}

export async function packageCommand(positional: string | undefined, opts: PackageFlags, io: IO): Promise<void> {
  const chartDir = chartArgument(positional, opts.chart) ?? DEFAULT_CHART_DIR;
  const compiled = prebuiltGoTemplates(chartDir);
  const archive = await packageChart({
    chartDir,
    ...(compiled ? { compiled } : {}),
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.appVersion ? { appVersion: opts.appVersion } : {}),
  });
  const what = `--destination ${opts.destination}`;
  ensureFolder(opts.destination, what);
  const path = join(opts.destination, archive.fileName);
  writeAtomic(path, archive.bytes, what);
  const noSchema = noSchemaWarning(chartDir);
  if (noSchema) io.err(`${noSchema}\n`);
  io.out(`Successfully packaged chart and saved it to: ${path}\n`);
}

export async function repoIndexCommand(dir: string, opts: { url?: string; merge?: string }, io: IO): Promise<void> {
  const warnings: string[] = [];
  const text = await buildIndex({ dir, ...opts, onWarning: (line) => warnings.push(line) });
  writeAtomic(join(dir, 'index.yaml'), text);
  // Printed once the index is written, so a failing command prints only its error.
  for (const w of warnings) io.err(`${w}\n`);
}
