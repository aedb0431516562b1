/** `package` and `repo index`: flags in, stage calls, files out. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageChart } from '../package/chart-archive.js';
import { prebuiltGoTemplates } from '../build/prebuilt.js';
import { buildIndex } from '../package/repo-index.js';
import { UserError } from '../values/types.js';
import { DEFAULT_CHART_DIR } from './paths.js';
import { noSchemaWarning } from '../build/locations.js';
import { writeAtomic, type IO } from './common.js';


export async function packageCommand(
  opts: { destination: string; version?: string; appVersion?: string; chart?: string },
  io: IO,
): Promise<void> {
  const chartDir = opts.chart ?? DEFAULT_CHART_DIR;
  const compiled = prebuiltGoTemplates(chartDir);
  const archive = await packageChart({
    chartDir,
    ...(compiled ? { compiled } : {}),
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.appVersion ? { appVersion: opts.appVersion } : {}),
  });
  try {
    mkdirSync(opts.destination, { recursive: true });
  } catch (e) {
    throw new UserError(`${opts.destination}: cannot create folder: ${(e as NodeJS.ErrnoException).code ?? ''}`);
  }
  const path = join(opts.destination, archive.fileName);
  writeAtomic(path, archive.bytes);
  const noSchema = noSchemaWarning(chartDir);
  if (noSchema) io.err(`${noSchema}\n`);
  io.out(`Successfully packaged chart and saved it to: ${path}\n`);
}

export async function repoIndexCommand(dir: string, opts: { url?: string; merge?: string }, io: IO): Promise<void> {
  const text = await buildIndex({ dir, ...opts });
  writeAtomic(join(dir, 'index.yaml'), text);
  void io;
}
