/**
 * The load side of src/build/generate.ts: the shipped chart's precompiled templates, defaults and
 * standalone validator, used only while their fingerprint matches the chart on disk (so an edited
 * chart is never rendered from stale artifacts; it is compiled at start-up instead).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chartFingerprint } from '../render/chart.js';
import type { ChartMetadata, PrecompiledChart } from '../render/engine.js';
import type { PrebuiltChart } from '../render/release.js';
import { validatorFromCheck, type CheckFn, type ValuesValidator } from '../values/validate.js';
import type { ValueMap } from '../values/types.js';
import { DEFAULT_CHART_DIR, DEFAULT_SCHEMA, GENERATED_DIR } from './locations.js';

export interface Prebuilt {
  render: PrebuiltChart;
  values: { defaults: ValueMap; validator: ValuesValidator; chartName: string };
}

interface ChartModule {
  fingerprint: string;
  metadata: ChartMetadata;
  defaults: ValueMap;
  chart: PrecompiledChart;
}

interface ValidatorModule {
  fingerprint: string;
  default: CheckFn;
}

export async function loadPrebuilt(chartDir: string, schemaPath: string): Promise<Prebuilt | undefined> {
  if (chartDir !== DEFAULT_CHART_DIR || schemaPath !== DEFAULT_SCHEMA) return undefined;
  const chartFile = join(GENERATED_DIR, 'chart.js');
  const validatorFile = join(GENERATED_DIR, 'values-validator.js');
  if (!existsSync(chartFile) || !existsSync(validatorFile)) return undefined;
  const [chart, validator] = (await Promise.all([
    import(pathToFileURL(chartFile).href),
    import(pathToFileURL(validatorFile).href),
  ])) as [ChartModule, ValidatorModule];
  const fingerprint = chartFingerprint(chartDir, [schemaPath]);
  if (chart.fingerprint !== fingerprint || validator.fingerprint !== fingerprint) return undefined;
  return {
    render: { metadata: chart.metadata, chart: chart.chart },
    values: { defaults: chart.defaults, validator: validatorFromCheck(validator.default), chartName: chart.metadata.Name },
  };
}
