/**
 * createRendererPool: renders on worker threads give what one in-process renderer gives, with
 * many renders in flight, errors of the same class and words, and no thread left holding the
 * process once idle.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { CHART, FIXTURES, fixture, PINNED, ROOT } from './run.js';

type Api = typeof import('../../src/index.js');
let api: Api;
let renderer: Awaited<ReturnType<Api['createRenderer']>>;
let pool: Awaited<ReturnType<Api['createRendererPool']>>;
const ENTRY = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

beforeAll(async () => {
  api = (await import(ENTRY)) as Api;
  renderer = await api.createRenderer();
  pool = await api.createRendererPool({ workers: 2 });
}, 60_000);
afterAll(() => pool?.close());

const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
};

describe('createRendererPool().render', () => {
  it('gives what createRenderer gives, for many renders in flight at once', async () => {
    expect(pool.size).toBe(2);
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).slice(0, 6);
    const asks = files.flatMap((f, i) =>
      ['a', 'b'].map((t) => ({ release: `tenant-${t}${i}`, namespace: 'tenants', valueFiles: [PINNED, fixture(f)], set: [`commonLabels.tenant=${t}${i}`] })),
    );
    const got = await Promise.all(asks.map((o) => pool.render(o)));
    asks.forEach((o, i) => {
      const want = renderer.render(o);
      expect(got[i]!.text, o.release).toBe(want.text);
      expect(got[i]!.manifests).toEqual(want.manifests);
      expect(got[i]!.warnings).toEqual(want.warnings);
      expect(got[i]!.generated).toBe(want.generated);
      expect(got[i]!.text).toContain(`tenant: ${o.set[0]!.split('=')[1]}`);
    });
  }, 120_000);

  it('rejects with the errors createRenderer throws, class and words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'api:\n  replicaCount: many\n');
    const e = await rejection(pool.render({ valueFiles: [bad] }));
    expect(e).toBeInstanceOf(api.UserError);
    expect(() => renderer.render({ valueFiles: [bad] })).toThrow(e.message);
    const usage = await rejection(pool.render({ release: 'Not_Valid' }));
    expect(usage).toBeInstanceOf(api.UsageError);
    expect(usage.message).toMatch(/release name "Not_Valid" is invalid/);
    // A function cannot cross to a worker thread: lookup belongs to createRenderer.
    const lookup = await rejection(pool.render({ lookup: () => ({}) } as never));
    expect(lookup).toBeInstanceOf(api.UsageError);
    expect(lookup.message).toMatch(/createRenderer/);
    // The pool goes on after errors.
    expect((await pool.render({ valueFiles: [PINNED] })).text).toBe(renderer.render({ valueFiles: [PINNED] }).text);
  }, 60_000);
});

describe('createRendererPool({ chart, workers })', () => {
  it('renders a chart folder as createRenderer does, and fails to start as it does', async () => {
    const chart = join(mkdtempSync(join(tmpdir(), 'pool-chart-')), 'dify');
    cpSync(CHART, chart, { recursive: true });
    const web = join(chart, 'templates', 'web', 'deployment.yaml.hbs');
    writeFileSync(web, readFileSync(web, 'utf8').replace('kind: Deployment', 'kind: Deployment\n# from the pool'));
    const own = await api.createRendererPool({ chart, workers: 1 });
    try {
      const text = (await own.render({ valueFiles: [PINNED] })).text;
      expect(text).toContain('# from the pool');
      expect(text).toBe((await api.createRenderer({ chart })).render({ valueFiles: [PINNED] }).text);
    } finally {
      await own.close();
    }
    const missing = join(chart, 'nowhere');
    const byRenderer = await rejection(api.createRenderer({ chart: missing }));
    const byPool = await rejection(api.createRendererPool({ chart: missing, workers: 1 }));
    expect(byPool.constructor).toBe(byRenderer.constructor);
    expect(byPool.message).toBe(byRenderer.message);
    for (const workers of [0, 1.5, -1]) await expect(api.createRendererPool({ workers })).rejects.toThrow(api.UsageError);
  }, 60_000);

  it('rejects renders under way and after close', async () => {
    const p = await api.createRendererPool({ workers: 1 });
    const inFlight = rejection(p.render({ valueFiles: [PINNED] }));
    await p.close();
    expect((await inFlight).message).toMatch(/closed/);
    expect((await rejection(p.render({}))).message).toMatch(/closed/);
  }, 60_000);

  it('does not keep the process alive once idle', async () => {
    const script = `const { createRendererPool } = await import(${JSON.stringify(ENTRY)});
const pool = await createRendererPool({ workers: 2 });
const out = await pool.render({ valueFiles: [${JSON.stringify(PINNED)}] });
console.log(out.manifests.length > 5 ? 'rendered' : 'nothing');`;
    const file = join(mkdtempSync(join(tmpdir(), 'pool-idle-')), 'idle.mjs');
    writeFileSync(file, script);
    const r = await exec(process.execPath, [file], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('rendered\n');
  }, 60_000);
});
