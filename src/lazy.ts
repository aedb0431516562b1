/**
 * Libraries only some paths need (Handlebars' parser for charts not built ahead of time, ajv for
 * errors, tar for packaging), loaded from node_modules on first use rather than bundled into the
 * CLI's start-up.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `id` required on the first call of the returned function, then cached by Node. */
export function lazyRequire<T>(id: string): () => T {
  return () => load(id) as T;
}
