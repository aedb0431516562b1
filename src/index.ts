/**
 * The library API, the package's main export: createRenderer (src/api/renderer.ts) renders as
 * `dify-chart render` does, in-process; createRendererPool (src/api/pool.ts) spreads renders over
 * worker threads. Errors a user can cause are UserError and UsageError.
 */
export { createRenderer, type Renderer, type RendererOptions, type RenderOptions, type RenderOutput } from './api/renderer.js';
export { createRendererPool, type PoolOptions, type PoolRenderOptions, type RendererPool } from './api/pool.js';
export { UserError, UsageError } from './errors.js';
export { kubectlLookup, type LookupFn } from './render/lookup.js';
export type { Manifest } from './render/manifests.js';
