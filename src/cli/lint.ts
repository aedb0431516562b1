/** `lint`: flags in, the values, render and lint stages, one line per finding out. */
import { formatFinding, lintRelease } from '../lint/index.js';
import { UserError } from '../values/types.js';
import { DEFAULT_CHART_DIR } from './paths.js';
import { noSchemaWarning, schemaFor } from '../build/locations.js';
import type { IO, ValuesFlags } from './common.js';

export type LintFlags = ValuesFlags;

export async function lintCommand(release: string, flags: LintFlags, io: IO): Promise<void> {
  const findings = await lintRelease({
    chartDir: flags.chart ?? DEFAULT_CHART_DIR,
    schemaPath: schemaFor(flags.chart),
    valueFiles: flags.values,
    set: flags.set,
    setString: flags.setString,
    setFile: flags.setFile,
    setJson: flags.setJson,
    release,
    namespace: flags.namespace,
    kubeVersion: flags.kubeVersion,
    apiVersions: flags.apiVersions,
  });
  const noSchema = noSchemaWarning(flags.chart);
  if (noSchema) io.err(`${noSchema}\n`);
  if (findings.length === 0) {
    io.out('lint: no findings\n');
    return;
  }
  // The findings are the command's output (stdout, like helm lint and kubeconform); the summary
  // is the one-line error that makes the exit code 1.
  io.out(findings.map((f) => `${formatFinding(f)}\n`).join(''));
  throw new UserError(`lint: ${findings.length} finding${findings.length === 1 ? '' : 's'}`);
}
