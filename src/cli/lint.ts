/** `lint [CHART]`: flags in, the values, render and lint stages, one line per finding out. */
import { formatFinding, lintChart } from '../lint/index.js';
import { UserError } from '../errors.js';
import { noSchemaWarning, DEFAULT_CHART_DIR } from '../chart/locations.js';
import { chartArgument, namespaceOf, valueSources, type IO, type ValuesFlags } from './common.js';

export interface LintFlags extends ValuesFlags {
  release: string;
  strict?: boolean;
  /** Also `kubectl apply --server-side --dry-run=server` against the current kubeconfig context. */
  server?: boolean;
}

export async function lintCommand(positional: string | undefined, flags: LintFlags, io: IO): Promise<void> {
  const chart = chartArgument(positional, flags.chart);
  const { findings, warnings } = await lintChart({
    chartDir: chart ?? DEFAULT_CHART_DIR,
    ...valueSources(flags),
    release: flags.release,
    namespace: namespaceOf(flags),
    kubeVersion: flags.kubeVersion,
    apiVersions: flags.apiVersions,
    ...(flags.server ? { server: true } : {}),
  });
  const noSchema = noSchemaWarning(chart);
  if (noSchema) io.err(`${noSchema}\n`);
  // Findings and warnings are the command's output (stdout, like helm lint and kubeconform); the
  // summary is the one-line error that makes the exit code 1.
  const lines = [...warnings.map((w) => `[WARNING] ${w.replace(/^warning: /, '')}`), ...findings.map(formatFinding)];
  if (lines.length === 0) {
    io.out('lint: no findings\n');
    return;
  }
  io.out(lines.map((l) => `${l}\n`).join(''));
  const failing = findings.length + (flags.strict ? warnings.length : 0);
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  if (failing > 0) {
    throw new UserError(`lint: ${count(findings.length, 'finding')}${warnings.length > 0 ? `, ${count(warnings.length, 'warning')}${flags.strict ? ' (--strict)' : ''}` : ''}`);
  }
}
