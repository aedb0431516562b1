/**
 * Running a rendered squid.conf on loopback, for the SSRF proxy and the agent SSRF proxy tests:
 * a temp dir squid may write, the test override written beside it (rendered text, rewritten
 * only where the rules say, plus a hosts_file so test names resolve without DNS), a parse check,
 * and one squid process with shared memory of its own.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { chownTree, isRoot, rewriteLines, run, startProcess, tail, tempDir, userIds, waitForPort, type HttpResult, type Managed, type RewriteRule } from './support.js';

/** Temp dir squid can write after dropping root for cache_effective_user (Debian: proxy). */
export function squidDir(name: string): string {
  const root = tempDir(name);
  for (const d of ['spool', 'cache']) mkdirSync(join(root, d), { recursive: true });
  if (isRoot && userIds('proxy')) chownTree(root, 'proxy');
  else chmodSync(root, 0o777);
  return root;
}

/**
 * The rendered text rewritten by `rules` (each a line the override may change; see rewriteLines),
 * written as <root>/squid.conf with a first line naming <root>/hosts, which holds `hosts`.
 */
export function writeSquidConf(root: string, text: string, rules: RewriteRule[], hosts: string, what: string): { conf: string; applied: Map<string, number> } {
  const out = rewriteLines(text, rules, what);
  writeFileSync(join(root, 'hosts'), hosts);
  const conf = join(root, 'squid.conf');
  writeFileSync(conf, `# [test override] names of the tests, without DNS\nhosts_file ${root}/hosts\n${out.text}`);
  return { conf, applied: out.applied };
}

/** The log-location rules every override needs: squid writes only in the temp dir. */
export function logRules(root: string): RewriteRule[] {
  return [
    { name: 'pid_filename → temp', match: /^pid_filename\s+(?!none\s*$)\S+\s*$/, replace: () => `pid_filename ${root}/squid.pid` },
    { name: 'cache_log → temp', match: /^cache_log\s+\S+\s*$/, replace: () => `cache_log ${root}/cache.log`, min: 1 },
    { name: 'access_log → temp', match: /^access_log\s+\S+(.*)$/, replace: (m) => `access_log stdio:${root}/access.log${m[1]}`, min: 1 },
    { name: 'coredump_dir → temp', match: /^coredump_dir\s+\S+\s*$/, replace: () => `coredump_dir ${root}/spool` },
    { name: 'cache_dir → temp', match: /^cache_dir\s+(\S+)\s+\S+(.*)$/, replace: (m) => `cache_dir ${m[1]} ${root}/cache${m[2]}` },
  ];
}

/** `squid -k parse` of the overridden config, then squid itself, listening on `port` within 15 s. */
export async function runSquid(squid: string, conf: string, root: string, port: number, what: string): Promise<Managed> {
  const parse = await run(squid, ['-k', 'parse', '-f', conf]);
  // An ACL entry squid warns about is one it reads otherwise or drops (`::ffff:0:0/96` is every IPv4 address to it).
  if (parse.status !== 0 || /FATAL|ERROR|is ignored|subnetwork of/.test(parse.all)) throw new Error(`${what}: squid -k parse of the overridden config failed (${parse.status}):\n${parse.all}`);
  // A service name of its own (-n): squid names its shared memory segments after it, so squids of
  // parallel runs, or of another user, never collide in /dev/shm.
  const service = `difytest${randomBytes(6).toString('hex')}`;
  const proc = startProcess(`squid (${what})`, squid, ['-N', '-n', service, '-f', conf], {
    // squid waits shutdown_lifetime (30 s) on SIGTERM: soon SIGKILL, which leaves its segments behind.
    graceMs: 300,
    afterStop: () => {
      for (const f of existsSync('/dev/shm') ? readdirSync('/dev/shm') : []) {
        if (f.startsWith(`${service}-`)) rmSync(join('/dev/shm', f), { force: true });
      }
    },
  });
  await waitForPort(port, { ...proc, output: () => `${proc.output()}\n--- cache.log ---\n${tail(join(root, 'cache.log'))}` }, 15_000);
  return proc;
}

/** The tails of squid's two logs, for failure messages. */
export function squidLogs(root: string): string {
  return `\n--- access.log ---\n${tail(join(root, 'access.log'), 20)}\n--- cache.log ---\n${tail(join(root, 'cache.log'), 20)}`;
}

/** A request for an absolute URL through a forward proxy (or any URL on a reverse port). */
export function viaProxy(port: number, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResult> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: init.method ?? 'GET', path: url, agent: false, timeout: 8000, headers: { Host: u.host, ...(init.headers ?? {}) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request for ${url} via proxy timed out`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
