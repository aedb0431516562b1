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

export interface ChartModule {
  fingerprint: string;
  metadata: ChartMetadata;
  defaults: ValueMap;
  chart: PrecompiledChart;
}

export interface ValidatorModule {
  fingerprint: string;
  default: CheckFn;
}

/** The bundled CLI (dist/cli/dify-chart.cjs) carries the generated modules inside itself. */
let bundled: { chart: ChartModule; validator: ValidatorModule } | undefined;

export function setPrebuiltModules(modules: { chart: ChartModule; validator: ValidatorModule }): void {
  bundled = modules;
}

async function importGenerated(): Promise<{ chart: ChartModule; validator: ValidatorModule } | undefined> {
  if (bundled) return bundled;
  const chartFile = join(GENERATED_DIR, 'chart.js');
  const validatorFile = join(GENERATED_DIR, 'values-validator.js');
  if (!existsSync(chartFile) || !existsSync(validatorFile)) return undefined;
  const [chart, validator] = (await Promise.all([
    import(pathToFileURL(chartFile).href),
    import(pathToFileURL(validatorFile).href),
  ])) as [ChartModule, ValidatorModule];
  return { chart, validator };
}

export async function loadPrebuilt(chartDir: string, schemaPath: string): Promise<Prebuilt | undefined> {
  if (chartDir !== DEFAULT_CHART_DIR || schemaPath !== DEFAULT_SCHEMA) return undefined;
  const modules = await importGenerated();
  if (!modules) return undefined;
  const { chart, validator } = modules;
  const fingerprint = chartFingerprint(chartDir, [schemaPath]);
  if (chart.fingerprint !== fingerprint || validator.fingerprint !== fingerprint) return undefined;
  return {
    render: { metadata: chart.metadata, chart: chart.chart },
    values: { defaults: chart.defaults, validator: validatorFromCheck(validator.default), chartName: chart.metadata.Name },
  };
}
