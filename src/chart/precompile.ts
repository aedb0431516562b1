/**
 * Chart templates → a chart module of plain JavaScript functions (src/render/codegen.ts). The
 * shipped chart is compiled at build time (src/build/generate.ts); a chart given with --chart is
 * compiled here at start-up. Both run the dialect check, so a template either works in both
 * engines or is rejected with file:line:col.
 */
import { parseTemplate, partialsOf } from './dialect.js';
import { chartModuleSource, type ParsedTemplate } from '../render/codegen.js';
import type { PrecompiledChart, TemplateFile } from '../render/engine.js';
import { UserError } from '../errors.js';
import type { Value } from '../values/types.js';

/**
 * A chart module as JavaScript source: a factory of `{templates, partials}` (see codegen.ts).
 * `defaults` is the chart's values.yaml, which tells where Go reads a path plain (chart/shapes.ts).
 */
export function precompileChartSource(files: TemplateFile[], defaults: Value): string {
  const templates: ParsedTemplate[] = [];
  const partials: ParsedTemplate[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const base = file.name.split('/').pop() ?? file.name;
    const isPartials = base.startsWith('_');
    const ast = parseTemplate(file.source, file.srcPath, isPartials);
    if (isPartials) {
      for (const [name, program] of partialsOf(ast)) {
        if (seen.has(name)) throw new UserError(`${file.srcPath}: partial "${name}" is defined twice`, { file: file.srcPath });
        seen.add(name);
        partials.push({ name, srcPath: file.srcPath, program });
      }
    } else {
      templates.push({ name: file.name, srcPath: file.srcPath, program: ast });
    }
  }
  return chartModuleSource(templates, partials, defaults);
}

/** Compile and load in one go, for charts that were not built ahead of time. */
export function precompileChart(files: TemplateFile[], defaults: Value): PrecompiledChart {
  return new Function(`return ${precompileChartSource(files, defaults)};`)() as PrecompiledChart;
}
