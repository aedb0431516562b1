/**
 * Shared helpers of the real-server suites (nginx, squid, PostgreSQL): tool lookup, free ports,
 * in-process rendering, child processes that are always killed, stub HTTP servers and temp dirs.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildValues } from '../../src/values/index.js';
import { compileChart, renderRelease, type PrebuiltChart } from '../../src/render/release.js';
import { exec } from '../support/exec.js';
import type { K8sObject } from '../support/k8s.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHART = join(ROOT, 'chart');
export const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');
export const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

export const RELEASE = 'release-name';
export const NAMESPACE = 'dify';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

function postgresBinDirs(): string[] {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(base, v, 'bin'));
}

/** Absolute path of a program: PATH, the sbin dirs (nginx, squid live there) and PostgreSQL's bin dirs. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin', ...postgresBinDirs()];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The path of a required program. Missing outside CI: false, with the reason printed (the suite
 * skips). Missing with CI=true: throws, so the suite fails instead of silently skipping.
 */
export function requireTool(name: string): string | false {
  const p = findTool(name);
  if (p) return p;
  const reason = `${name} not found (PATH, /usr/sbin, /usr/lib/postgresql/*/bin); .ci/run installs it from Debian's packages`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`skipping: ${reason}`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export type { K8sObject } from '../support/k8s.js';

export interface Release {
  /** The merged, validated `.Values`. */
  values: any;
  objects: K8sObject[];
}

const renderCache = new Map<string, Release>();
/** The chart compiled once for every render of these tests. */
let compiled: PrebuiltChart | undefined;

/**
 * Renders the chart in-process with a developer fixture and optional extra values (YAML text,
 * merged over the fixture as a second `-f` file would be).
 */
export function renderFixture(fixture: string, extraValuesYaml?: string): Release {
  const key = `${fixture}\0${extraValuesYaml ?? ''}`;
  const hit = renderCache.get(key);
  if (hit) return hit;
  const valueFiles = [join(FIXTURES, fixture)];
  let tmp: string | undefined;
  if (extraValuesYaml !== undefined) {
    tmp = mkdtempSync(join(tmpdir(), 'dify-values-'));
    const f = join(tmp, 'override.yaml');
    writeFileSync(f, extraValuesYaml);
    valueFiles.push(f);
  }
  try {
    const { values } = buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles, set: [], setString: [], setFile: [], setJson: [] });
    const { manifests } = renderRelease((compiled ??= compileChart(CHART)), values, { name: RELEASE, namespace: NAMESPACE });
    const objects: K8sObject[] = [];
    for (const m of manifests) {
      const obj = parseYaml(m.content) as K8sObject | null;
      if (obj) objects.push(obj);
    }
    const out = { values, objects };
    renderCache.set(key, out);
    return out;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

export const componentOf = (o: K8sObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];

export function findObject(objs: K8sObject[], kind: string, component: string): K8sObject | undefined {
  return objs.find((o) => o.kind === kind && componentOf(o) === component);
}

/** The path a container mounts each volume at, for one container of a workload. */
export function volumeMounts(workload: K8sObject, container = 0): { name: string; mountPath: string }[] {
  return workload.spec.template.spec.containers[container].volumeMounts ?? [];
}

/** Services as `name:port` → component, the way in-cluster DNS names them. */
export function servicePorts(objs: K8sObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objs) {
    if (o.kind !== 'Service') continue;
    for (const p of o.spec?.ports ?? []) out.set(`${o.metadata.name}:${p.port}`, componentOf(o) ?? '?');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Test-only config rewrites: small, explicit, line by line
// ---------------------------------------------------------------------------------------------

export interface RewriteRule {
  /** What the rule does, for failure messages. */
  name: string;
  /** Matched against each line. */
  match: RegExp;
  /** The new line (null removes the line's directive by commenting it out, keeping line numbers). */
  replace: (m: RegExpExecArray, line: string) => string | null;
  /** The rule must apply at least this many times (default 0: optional). */
  min?: number;
}

/**
 * Applies line rules; every line no rule matches is kept byte for byte. Returns the text and how
 * many lines each rule changed. Throws when a required rule did not apply (the rendered config
 * changed shape: the override must be revisited rather than silently doing nothing).
 */
export function rewriteLines(text: string, rules: RewriteRule[], what: string): { text: string; applied: Map<string, number> } {
  const applied = new Map<string, number>(rules.map((r) => [r.name, 0]));
  const out = text.split('\n').map((line) => {
    for (const r of rules) {
      const m = r.match.exec(line);
      if (!m) continue;
      applied.set(r.name, applied.get(r.name)! + 1);
      const rep = r.replace(m, line);
      return rep === null ? `# [test override removed] ${line.trim()}` : rep;
    }
    return line;
  });
  for (const r of rules) {
    if ((applied.get(r.name) ?? 0) < (r.min ?? 0)) {
      throw new Error(`${what}: test override "${r.name}" expected to apply at least ${r.min} time(s), applied ${applied.get(r.name)}`);
    }
  }
  return { text: out.join('\n'), applied };
}

// ---------------------------------------------------------------------------------------------
// Ports, temp dirs
// ---------------------------------------------------------------------------------------------

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const tempDirs: string[] = [];

/** A temp dir (world-traversable, so a server that drops root privileges can reach into it). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `dify-${prefix}-`));
  chmodSync(d, 0o755);
  tempDirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  if (process.env.DIFY_KEEP_TMP) {
    console.warn(`DIFY_KEEP_TMP: kept ${tempDirs.join(' ')}`);
    return;
  }
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** chown -R to a user (by name), when running as root. */
export function chownTree(path: string, user: string): void {
  if (!isRoot) return;
  const r = spawnSync('chown', ['-R', `${user}:`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown -R ${user} ${path}: ${r.stderr}`);
}

export function userIds(user: string): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export function chownPath(path: string, user: string): void {
  const ids = isRoot ? userIds(user) : undefined;
  if (ids) chownSync(path, ids.uid, ids.gid);
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

/** Direct and indirect children of a pid, from /proc (Linux); [] elsewhere. */
export function descendants(pid: number): number[] {
  let stats: { pid: number; ppid: number }[] = [];
  try {
    stats = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => {
        try {
          const s = readFileSync(`/proc/${d}/stat`, 'utf8');
          const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
          return [{ pid: Number(d), ppid: Number(rest[1]) }];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const s of stats) if (s.ppid === p) (out.push(s.pid), queue.push(s.pid));
  }
  return out;
}

export interface Managed {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

const running = new Set<Managed>();

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a long-running server in its own process group. stop() sends SIGTERM, then SIGKILL to
 * the group and to every descendant (helpers that leave the group, e.g. squid's pinger) after
 * `graceMs`, then runs `afterStop` (cleanup of what a killed server leaves behind). Every started
 * process is stopped by stopAll() (call it in afterAll).
 */
export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions & { graceMs?: number; afterStop?: () => void } = {},
): Managed {
  const { graceMs: grace, afterStop, ...spawnOpts } = opts;
  const child = spawn(cmd, args, { ...spawnOpts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (e) => {
      out += `\nspawn error: ${e.message}`;
      resolve(-1);
    });
  });
  const graceMs = grace ?? 2000;
  let stopping: Promise<void> | undefined;
  const m: Managed = {
    name,
    child,
    output: () => out,
    exited,
    stop: () => {
      stopping ??= (async () => {
        running.delete(m);
        const pid = child.pid;
        if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
          const family = descendants(pid);
          killQuietly(pid, 'SIGTERM');
          const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
          if (!done) killQuietly(-pid, 'SIGKILL');
          for (const p of [...family, ...descendants(pid)]) killQuietly(p, 'SIGKILL');
          if (!done) await Promise.race([exited, sleep(2000)]);
        }
        afterStop?.();
      })();
      return stopping;
    },
  };
  running.add(m);
  return m;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop()));
}

// A crashed test file must not leave servers behind.
process.once('exit', () => {
  for (const m of running) {
    const pid = m.child.pid;
    if (pid === undefined) continue;
    for (const p of descendants(pid)) killQuietly(p, 'SIGKILL');
    killQuietly(-pid, 'SIGKILL');
  }
});

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until a TCP port accepts connections; fails early when the process exits. */
export async function waitForPort(port: number, proc: Managed, timeoutMs = 10_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${proc.name} exited (${exitCode}) before listening on ${port}:\n${proc.output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
      s.setTimeout(500, () => (s.destroy(), resolve(false)));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${proc.name} did not listen on ${host}:${port} within ${timeoutMs} ms:\n${proc.output()}`);
}

/**
 * Runs a command to completion (with a timeout) and returns one record. Awaited, not spawnSync:
 * initdb or mariadb-install-db take seconds, and a blocked worker misses vitest's RPC replies
 * (test/support/exec.ts).
 */
export async function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string; uid?: number; gid?: number } = {},
) {
  const r = await exec(cmd, args, {
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs ?? 20_000,
    input: opts.input,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error, all: `${r.stdout}${r.stderr}${r.error ? `\n${r.error.message}` : ''}` };
}

/**
 * spawn options running a program as another OS user when this process is root (initdb and
 * postgres refuse root), nothing otherwise. Node sets the ids itself (and drops root's groups), so
 * signals reach the server directly, with no runuser/su in between.
 */
export function asUser(user: string): { uid?: number; gid?: number } {
  if (!isRoot) return {};
  const ids = userIds(user);
  if (!ids) throw new Error(`running as root and there is no ${user} user to run as`);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Stub HTTP servers
// ---------------------------------------------------------------------------------------------

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyLength: number;
}

export interface Stub {
  name: string;
  host: string;
  port: number;
  requests: Recorded[];
  /** Responses the stub is still holding open (SSE). */
  open: Set<http.ServerResponse>;
  /** Ends every held SSE response. */
  release: () => void;
  byId: (id: string) => Recorded | undefined;
  close: () => Promise<void>;
  /** The HTTP server itself (e.g. to answer `upgrade` requests as a websocket endpoint, see websocket.ts). */
  server: http.Server;
}

/**
 * An HTTP server standing in for a component. It records every request (method, URL, headers,
 * body length) and answers JSON `{stub, url}`. A request with `x-test-sse: 1` gets a
 * text/event-stream response: one event now, the rest when release() is called.
 */
export function startStub(name: string, host = '127.0.0.1'): Promise<Stub> {
  const requests: Recorded[] = [];
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let bodyLength = 0;
    req.on('data', (c: Buffer) => (bodyLength += c.length));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength });
      if (req.headers['x-test-sse'] === '1') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`event: message\ndata: {"stub":"${name}","n":1}\n\n`);
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      const body = JSON.stringify({ stub: name, url: req.url, bodyLength });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        name,
        host,
        port,
        requests,
        open,
        release: () => {
          for (const res of open) res.end(`event: message\ndata: {"stub":"${name}","n":2}\n\n`);
          open.clear();
        },
        byId: (id) => requests.find((r) => r.headers['x-test-id'] === id),
        server,
        close: () =>
          new Promise<void>((r) => {
            for (const res of open) res.destroy();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request without keep-alive, with a timeout. */
export function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; host?: string; timeoutMs?: number },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: opts.host ?? '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false, timeout: opts.timeoutMs ?? 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${opts.method ?? 'GET'} ${opts.path} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Sends raw bytes on a fresh TCP connection and resolves with what came back until the peer
 * closed, `until` matched, or the timeout.
 */
export function rawExchange(port: number, data: string | Buffer, opts: { until?: RegExp; timeoutMs?: number; host?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect({ port, host: opts.host ?? '127.0.0.1' });
    const finish = () => (s.destroy(), resolve(got));
    const timer = setTimeout(finish, opts.timeoutMs ?? 5000);
    s.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (opts.until?.test(got)) (clearTimeout(timer), finish());
    });
    s.on('error', () => (clearTimeout(timer), finish()));
    s.on('close', () => (clearTimeout(timer), finish()));
    s.on('connect', () => s.write(data));
  });
}
