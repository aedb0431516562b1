/** `render`: flags in, the values and render stages, manifests out (stdout or --output-dir). */
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkReleaseOptions, renderRelease } from '../render/release.js';
import { goPathMatch, outputDirLayout, outputDirLog, printManifests, type Manifest } from '../render/manifests.js';
import { kubectlLookup } from '../render/lookup.js';
import { generatedNote } from '../render/credentials.js';
import { buildValues } from '../values/index.js';
import { UserError } from '../values/types.js';
import { DEFAULT_CHART_DIR, DEFAULT_SCHEMA } from './paths.js';
import { noSchemaWarning, schemaFor } from '../build/locations.js';
import { loadPrebuilt } from '../build/prebuilt.js';
import type { IO, ValuesFlags } from './common.js';

export interface RenderFlags extends ValuesFlags {
  showOnly: string[];
  outputDir?: string;
  lookup?: boolean;
  debug?: boolean;
}


/** An fs error code as words, for `--output-dir DIR: cannot write: <why>`. */
function whyNotWritable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EEXIST':
      return 'a part of the path exists and is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return code ?? (e as Error).message;
  }
}

/**
 * Stage every file in a fresh folder inside the target, check that every final path can take a
 * file, then move them into place: a failure leaves the folder as it was.
 */
function writeOutputDir(dir: string, files: { path: string; content: string }[]): void {
  const target = resolve(dir);
  const fail = (e: unknown): never => {
    throw new UserError(`--output-dir ${dir}: cannot write: ${whyNotWritable(e)}`);
  };
  let stage = '';
  try {
    mkdirSync(target, { recursive: true });
    stage = mkdtempSync(join(target, '.dify-chart-'));
  } catch (e) {
    fail(e);
  }
  try {
    for (const f of files) {
      const p = join(stage, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
    }
    for (const f of files) {
      const st = lstatSync(join(target, f.path), { throwIfNoEntry: false });
      if (st && !st.isFile()) throw new UserError(`--output-dir ${dir}: cannot write ${f.path}: it exists and is not a regular file`);
    }
    for (const f of files) {
      const final = join(target, f.path);
      mkdirSync(dirname(final), { recursive: true });
      renameSync(join(stage, f.path), final);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    fail(e);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * `--show-only` for `--output-dir`: only the matching templates are written, and a pattern that
 * matches nothing fails before anything is (Helm wrote every file, then failed).
 */
function onlyShown(manifests: Manifest[], patterns: string[]): Manifest[] {
  if (patterns.length === 0) return manifests;
  const inChart = (m: Manifest): string => m.source.slice(m.source.indexOf('/') + 1);
  for (const p of patterns) {
    if (!manifests.some((m) => goPathMatch(p, inChart(m)))) throw new UserError(`could not find template ${p} in chart`);
  }
  return manifests.filter((m) => patterns.some((p) => goPathMatch(p, inChart(m))));
}

export async function renderCommand(release: string, flags: RenderFlags, io: IO): Promise<void> {
  // Usage errors before any values error.
  checkReleaseOptions({ name: release, namespace: flags.namespace, kubeVersion: flags.kubeVersion });
  const chartDir = flags.chart ?? DEFAULT_CHART_DIR;
  const prebuilt = await loadPrebuilt(chartDir, DEFAULT_SCHEMA);
  const { values, warnings } = buildValues({
    ...(prebuilt ? { prepared: prebuilt.values } : {}),
    chartDir,
    schemaPath: schemaFor(flags.chart),
    valueFiles: flags.values,
    set: flags.set,
    setString: flags.setString,
    setFile: flags.setFile,
    setJson: flags.setJson,
  });
  const result = renderRelease(chartDir, values, {
    name: release,
    namespace: flags.namespace,
    kubeVersion: flags.kubeVersion,
    apiVersions: flags.apiVersions,
    ...(flags.lookup ? { lookup: kubectlLookup() } : {}),
  }, prebuilt?.render);
  for (const w of warnings) io.err(`${w}\n`);
  const noSchema = noSchemaWarning(flags.chart);
  if (noSchema) io.err(`${noSchema}\n`);
  if (flags.outputDir) {
    const shown = onlyShown(result.manifests, flags.showOnly);
    writeOutputDir(flags.outputDir, outputDirLayout(shown));
    io.out(outputDirLog(flags.outputDir, shown));
  } else {
    io.out(printManifests(result.manifests, { showOnly: flags.showOnly }));
  }
  if (result.generatedCredentials.length > 0) io.err(`${generatedNote(result.generatedCredentials)}\n`);
}
