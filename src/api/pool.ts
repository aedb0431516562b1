/**
 * A pool of renderers on worker threads, for callers with many releases to render (one per
 * tenant, a CI matrix): a render is single-threaded, so throughput past one core needs more
 * threads. Each worker holds its own renderer (see createRenderer); the pool hands each render to
 * the least busy one. Results and errors are what createRenderer gives, UserError and UsageError
 * included. Idle workers do not keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../errors.js';
import type { RendererOptions, RenderOutput } from './renderer.js';
import { errorFromWire, type FromWorker, type PoolRenderOptions, type ToWorker, type WorkerSetup } from './pool-protocol.js';

export type { PoolRenderOptions } from './pool-protocol.js';

export interface PoolOptions extends RendererOptions {
  /** How many worker threads (default: os.availableParallelism()). */
  workers?: number;
}

export interface RendererPool {
  /** Renders on the least busy worker; the promise settles as createRenderer's render returns or throws. */
  render(opts?: PoolRenderOptions): Promise<RenderOutput>;
  /** Stops every worker; renders not yet answered reject. */
  close(): Promise<void>;
  /** How many workers the pool started with. */
  readonly size: number;
}

interface Slot {
  worker: Worker;
  /** Renders sent and not yet answered. */
  busy: number;
  alive: boolean;
}

interface Waiting {
  slot: Slot;
  resolve: (o: RenderOutput) => void;
  reject: (e: Error) => void;
}

const WORKER_FILE = new URL('./pool-worker.js', import.meta.url);

/** Starts the workers (each compiles or loads the chart, as createRenderer does) and resolves once all are ready. */
export async function createRendererPool(opts: PoolOptions = {}): Promise<RendererPool> {
  const size = opts.workers ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`workers must be a whole number of at least 1, not ${String(size)}`);
  const setup: WorkerSetup = opts.chart === undefined ? {} : { chart: opts.chart };
  const waiting = new Map<number, Waiting>();
  let closed = false;
  let nextId = 0;

  const settle = (slot: Slot, m: FromWorker): void => {
    if (!('id' in m)) return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (--slot.busy === 0) slot.worker.unref();
    if ('output' in m) w.resolve(m.output);
    else w.reject(errorFromWire(m.error));
  };
  const failAll = (slot: Slot | undefined, why: string): void => {
    for (const [id, w] of waiting) {
      if (slot !== undefined && w.slot !== slot) continue;
      waiting.delete(id);
      w.reject(new Error(why));
    }
  };

  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_FILE, { workerData: setup });
      const slot: Slot = { worker, busy: 0, alive: true };
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        if (ready) return settle(slot, m);
        if (!('ready' in m)) return;
        ready = true;
        if (m.ready) {
          worker.unref();
          resolve(slot);
        } else {
          slot.alive = false;
          reject(errorFromWire(m.error));
        }
      });
      worker.on('error', (e) => {
        if (!ready) reject(e);
      });
      worker.on('exit', (code) => {
        slot.alive = false;
        if (!ready) reject(new Error(`a render worker stopped while starting (exit code ${code})`));
        else if (!closed) failAll(slot, `a render worker stopped (exit code ${code})`);
      });
    });

  const started = await Promise.allSettled(Array.from({ length: size }, start));
  const slots = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw failed.reason;
  }

  return {
    size,
    render(o: PoolRenderOptions = {}): Promise<RenderOutput> {
      if (closed) return Promise.reject(new Error('the renderer pool is closed'));
      if (typeof (o as { lookup?: unknown }).lookup === 'function') {
        return Promise.reject(new UsageError('lookup cannot be used with a renderer pool (a function cannot cross to a worker thread): use createRenderer'));
      }
      let slot: Slot | undefined;
      for (const s of slots) if (s.alive && (slot === undefined || s.busy < slot.busy)) slot = s;
      if (!slot) return Promise.reject(new Error('every render worker of the pool has stopped'));
      const id = nextId++;
      const msg: ToWorker = { id, opts: o };
      try {
        slot.worker.postMessage(msg);
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      if (slot.busy++ === 0) slot.worker.ref();
      const target = slot;
      return new Promise((resolve, reject) => waiting.set(id, { slot: target, resolve, reject }));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      failAll(undefined, 'the renderer pool was closed');
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
