/**
 * A setup file (vitest.config.ts): every test starts after one turn of the event loop.
 *
 * vitest runs a file's tests one after another with only promise callbacks in between, so
 * synchronous tests in a row are one synchronous stretch of the worker, however short each is: a
 * hundred half-second tests block it for fifty seconds, and the worker's RPC call sent before them
 * (onTaskUpdate) times out after 60 s (test/support/exec.ts). This bounds a stretch to one test or
 * hook; a test that is long by itself awaits its children or turn() inside.
 */
import { beforeEach } from 'vitest';
import { turn } from './exec.js';

beforeEach(async () => {
  await turn();
});
