/**
 * The load side of src/build/generate.ts: the shipped chart's precompiled templates, defaults and
 * standalone validator, used only while their fingerprint matches the chart on disk (so an edited
 * chart is never rendered from stale artifacts; it is compiled at start-up instead).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CompiledTemplates } from '../compile/compiler.js';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { matchesBuild } from './load.js';
import type { ChartMetadata, PrecompiledChart } from '../render/engine.js';
import type { PrebuiltChart } from '../render/release.js';
import { quickCheckFor } from '../values/quickcheck.js';
import { layeredValidator, newAjv, type CheckFn } from '../values/validate.js';
import type { ValueMap } from '../values/types.js';
import type { PreparedValues } from '../values/index.js';
import { DEFAULT_CHART_DIR, DEFAULT_SCHEMA, GENERATED_DIR } from './locations.js';



export interface Prebuilt {
  render: PrebuiltChart;
  values: PreparedValues;
}

export interface ChartModule {
  fingerprint: string;
  stamp: string;
  metadata: ChartMetadata;
  defaults: ValueMap;
  schema: object;
  quickCheckable: boolean;
  chart: PrecompiledChart;
}

/** The bundled CLI (dist/cli/dify-chart.cjs) carries the generated chart module inside itself. */
let bundled: ChartModule | undefined;

export function setPrebuiltModules(modules: { chart: ChartModule }): void {
  bundled = modules.chart;
}

async function importChartModule(): Promise<ChartModule | undefined> {
  if (bundled) return bundled;
  const chartFile = join(GENERATED_DIR, 'chart.js');
  if (!existsSync(chartFile)) return undefined;
  return (await import(pathToFileURL(chartFile).href)) as ChartModule;
}

/**
 * ajv's full validator for the shipped schema: the standalone module the build wrote, when it
 * matches the chart; else compiled now. Only needed when the quick check is not sure.
 */
function fullValidator(fingerprint: string, schema: object): CheckFn {
  const file = join(GENERATED_DIR, 'values-validator.cjs');
  if (existsSync(file)) {
    const check = createRequire(import.meta.url)(file) as CheckFn & { fingerprint?: string };
    if (check.fingerprint === fingerprint) return check;
  }
  return newAjv().compile(schema);
}

/**
 * The shipped chart's templates as compiled to Go at build time, while they match the chart
 * (and its schema) on disk; otherwise `package` compiles them itself.
 */
export function prebuiltGoTemplates(chartDir: string): CompiledTemplates | undefined {
  const file = join(GENERATED_DIR, 'go-templates.json');
  if (chartDir !== DEFAULT_CHART_DIR || !existsSync(file)) return undefined;
  const built = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string; stamp: string; templates: [string, string][]; helpers: string };
  if (!matchesBuild(chartDir, [DEFAULT_SCHEMA], built)) return undefined;
  return { templates: new Map(built.templates), helpers: built.helpers };
}

export async function loadPrebuilt(chartDir: string, schemaPath: string): Promise<Prebuilt | undefined> {
  if (chartDir !== DEFAULT_CHART_DIR || schemaPath !== DEFAULT_SCHEMA) return undefined;
  const chart = await importChartModule();
  if (!chart) return undefined;
  if (!matchesBuild(chartDir, [schemaPath], chart)) return undefined;
  const validator = layeredValidator(chart.quickCheckable ? quickCheckFor(chart.schema, true) : undefined, () => fullValidator(chart.fingerprint, chart.schema));
  return {
    render: { metadata: chart.metadata, chart: chart.chart },
    values: { defaults: chart.defaults, validator, chartName: chart.metadata.Name },
  };
}
