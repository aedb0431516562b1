/** `migrate --from PEER OLD-VALUES.yaml`: another chart's values in, this chart's values out (stdout), the report on stderr. */
import { stringify } from 'yaml';
import { checkAgainstChart, formatReport, migrateValues, PEERS, type Peer } from '../migrate/index.js';
import { parseValuesDocument, readText } from '../values/load.js';
import { UsageError, UserError } from '../errors.js';
import { DEFAULT_CHART_DIR, DEFAULT_SCHEMA } from '../chart/locations.js';
import type { IO } from './common.js';

export interface MigrateFlags {
  from?: string;
  strict?: boolean;
  release?: string;
}

export async function migrateCommand(file: string, flags: MigrateFlags, io: IO): Promise<void> {
  if (flags.from === undefined) throw new UsageError(`--from is required: one of ${PEERS.join(', ')}`);
  if (!(PEERS as readonly string[]).includes(flags.from)) throw new UsageError(`--from ${flags.from}: not a chart migrate knows (${PEERS.join(', ')})`);
  const peer = flags.from as Peer;
  const release = flags.release ?? 'dify';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(release) || release.length > 53) throw new UsageError(`--release ${release}: not a valid release name`);
  const old = parseValuesDocument(readText(file), file).values;
  const result = await migrateValues(peer, old, { release, source: file });
  checkAgainstChart(result.values, DEFAULT_CHART_DIR, DEFAULT_SCHEMA);
  const header = `# Values for dify-chart, migrated from ${peer} values ${file} (old release ${release}).\n# Read the report migrate printed on stderr before installing.\n`;
  const report = formatReport(result);
  if (flags.strict && result.unmapped.length > 0) {
    io.err(report);
    throw new UserError(`migrate --strict: ${result.unmapped.length} key${result.unmapped.length === 1 ? '' : 's'} of ${file} could not be mapped`);
  }
  // YAML 1.1 as Helm reads it: strings like yes, on or 0o7 are quoted, so they stay strings.
  io.out(header + stringify(result.values, { lineWidth: 0, version: '1.1' }));
  io.err(report);
}
