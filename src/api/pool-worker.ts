/**
 * One worker of a renderer pool (see pool.ts): a renderer of its own, made from the chart the pool
 * names, answering render requests one at a time. Only plain data crosses the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createRenderer } from './renderer.js';
import type { FromWorker, ToWorker, WorkerSetup } from './pool-protocol.js';
import { errorToWire } from './pool-protocol.js';

const port = parentPort;
if (!port) throw new Error('pool-worker.js runs as a worker thread of createRendererPool');

const setup = workerData as WorkerSetup;
const send = (m: FromWorker): void => port.postMessage(m);

try {
  const renderer = await createRenderer(setup.chart === undefined ? {} : { chart: setup.chart });
  port.on('message', (m: ToWorker) => {
    try {
      const out = renderer.render(m.opts);
      send({ id: m.id, output: out });
    } catch (e) {
      send({ id: m.id, error: errorToWire(e) });
    }
  });
  send({ ready: true });
} catch (e) {
  send({ ready: false, error: errorToWire(e) });
}
