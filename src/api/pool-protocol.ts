/** The messages between a renderer pool and its workers, and errors as they cross the boundary. */
import type { RenderOptions, RenderOutput } from './renderer.js';
import { DialectError, UsageError, UserError, type ErrorPlace } from '../errors.js';

/** What a worker is started with. */
export interface WorkerSetup {
  chart?: string;
}

/** What a pool's render may ask: everything a renderer takes but `lookup`, a function (which cannot cross threads). */
export type PoolRenderOptions = Omit<RenderOptions, 'lookup'>;

export interface ToWorker {
  id: number;
  opts: PoolRenderOptions;
}

/** An error as plain data: its class (those a user can cause keep theirs), message and place. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  place?: ErrorPlace;
}

export type FromWorker =
  | { ready: true }
  | { ready: false; error: WireError }
  | { id: number; output: RenderOutput }
  | { id: number; error: WireError };

export function errorToWire(e: unknown): WireError {
  if (e instanceof UserError) {
    const place = Object.entries({ file: e.file, line: e.line, col: e.col, valuePath: e.valuePath }).filter(([, v]) => v !== undefined);
    return { name: e.name, message: e.message, place: Object.fromEntries(place) as ErrorPlace };
  }
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}

/** The error again on this side: UserError (DialectError) and UsageError as themselves, so callers can tell them apart. */
export function errorFromWire(w: WireError): Error {
  if (w.name === 'UserError') return new UserError(w.message, w.place);
  if (w.name === 'DialectError') return new DialectError(w.message, w.place);
  if (w.name === 'UsageError') return new UsageError(w.message);
  const e = new Error(w.message);
  // A bug's stack is the worker's, which is where it happened.
  if (w.stack) e.stack = w.stack;
  return e;
}
