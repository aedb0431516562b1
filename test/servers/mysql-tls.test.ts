/**
 * TLS to an external MySQL as the api image makes it, against a real server: MariaDB (Debian's
 * package) serving a certificate for `localhost` from a private CA, with require_secure_transport.
 *
 * The client is a short Python program doing what Dify 1.17.1's DatabaseConfig does with the env a
 * rendered api container gets: the scheme by DB_TYPE (mysql+pymysql for mysql, oceanbase and seekdb),
 * user and password quoted into the URL, DB_EXTRAS as its query, one connection through SQLAlchemy and
 * PyMySQL (Debian's SQLAlchemy 1.4 and PyMySQL 1.0; Dify pins 2.0 and 1.1, whose ssl_* handling is the
 * same). The CA file DB_EXTRAS names is made where the pod's volume would put the configured key.
 *
 * Held: the rendered settings give a TLS session; the same settings refuse a server whose certificate
 * another CA signed, or a host name the certificate does not carry; TLS without a CA trusts only the
 * system bundle (a private CA is refused); no TLS is refused by a server that insists, and PyMySQL goes
 * on in plain text with a server that offers no TLS (why the values tell operators to make it insist).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chownTree,
  findTool,
  freePort,
  isRoot,
  removeTempDirs,
  renderFixture,
  requireTool,
  run,
  startProcess,
  stopAll,
  tempDir,
  waitForPort,
  type K8sObject,
} from './support.js';

const MARIADBD = requireTool('mariadbd');
const INSTALL_DB = MARIADBD && requireTool('mariadb-install-db');
const CLIENT = INSTALL_DB && requireTool('mariadb');
const OPENSSL = CLIENT && requireTool('openssl');

/** A Python that imports SQLAlchemy and PyMySQL (Debian's python3-sqlalchemy, python3-pymysql). */
async function python(): Promise<string | false> {
  for (const p of [findTool('python3'), '/usr/bin/python3']) {
    if (p && (await run(p, ['-c', 'import sqlalchemy, pymysql'])).status === 0) return p;
  }
  const reason = 'no python3 with sqlalchemy and pymysql; .ci/run installs python3-sqlalchemy and python3-pymysql';
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`skipping: ${reason}`);
  return false;
}
const PYTHON = OPENSSL && (await python());
const READY = Boolean(PYTHON);

/** Connects as Dify's DatabaseConfig builds the URL from the env, then reports the session's TLS cipher. */
const CLIENT_PROGRAM = `
import json, os, sys
from urllib.parse import quote_plus
import sqlalchemy
e = os.environ
scheme = "postgresql" if e["DB_TYPE"] == "postgresql" else "mysql+pymysql"
extras = e.get("DB_EXTRAS", "")
url = f"{scheme}://{quote_plus(e['DB_USERNAME'])}:{quote_plus(e['DB_PASSWORD'])}@{e['DB_HOST']}:{e['DB_PORT']}/{e['DB_DATABASE']}" + (f"?{extras}" if extras else "")
try:
    with sqlalchemy.create_engine(url).connect() as c:
        row = c.execute(sqlalchemy.text("SHOW SESSION STATUS LIKE 'Ssl_cipher'")).fetchone()
        print(json.dumps({"cipher": row[1] if row else ""}))
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
`;

interface Server { port: number; dir: string }
const USER = 'dify';
const PASSWORD = 'p@ss:w/rd';
let work = '';
let caPem = '';
let otherCaPem = '';
let tlsServer: Server;
let plainServer: Server;

async function openssl(args: string[]): Promise<void> {
  const r = await run(OPENSSL as string, args, { cwd: work });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.all}`);
}

/** A private CA and a server certificate for localhost (no IP address), plus an unrelated CA. */
async function makeCertificates(): Promise<void> {
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Test MySQL CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Other CA', '-keyout', 'other.key', '-out', 'other.crt']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(join(work, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt']);
  caPem = readFileSync(join(work, 'ca.crt'), 'utf8');
  otherCaPem = readFileSync(join(work, 'other.crt'), 'utf8');
}

/** A MariaDB on loopback with the database and user of the fixture; with TLS it insists on it. */
async function startServer(name: string, tls: boolean, databases: string[]): Promise<Server> {
  const dir = tempDir(`mariadb-${name}`);
  const data = join(dir, 'data');
  mkdirSync(data);
  const user = isRoot ? ['--user=mysql'] : [];
  if (isRoot) chownTree(dir, 'mysql');
  const init = await run(INSTALL_DB as string, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], { timeoutMs: 120_000 });
  if (init.status !== 0) throw new Error(`mariadb-install-db: ${init.all}`);
  const port = await freePort();
  const ssl = tls ? [`--ssl-ca=${join(work, 'ca.crt')}`, `--ssl-cert=${join(work, 'server.crt')}`, `--ssl-key=${join(work, 'server.key')}`, '--require-secure-transport=ON'] : ['--skip-ssl'];
  const proc = startProcess(`mariadbd-${name}`, MARIADBD as string, [
    '--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, `--port=${port}`,
    '--bind-address=127.0.0.1', '--innodb-buffer-pool-size=16M', '--skip-log-bin', '--skip-name-resolve', ...ssl, ...user,
  ]);
  await waitForPort(port, proc, 60_000);
  // No anonymous accounts, so the fixture's user is the only match.
  const sql = [`DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;`, `CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}';`, ...databases.map((d) => `CREATE DATABASE \`${d}\`; GRANT ALL ON \`${d}\`.* TO '${USER}'@'%';`)].join(' ');
  const r = await run(CLIENT as string, ['--no-defaults', `--socket=${join(dir, 'sock')}`, '-u', 'root', '-e', sql]);
  if (r.status !== 0) throw new Error(`setting up ${name}: ${r.all}`);
  return { port, dir };
}

/** The env of the rendered api container (ConfigMap, then env; credentials and the CA supplied by the test). */
function apiEnv(objects: K8sObject[]): { env: Map<string, string>; caPath?: { mountPath: string; file: string } } {
  const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'api')!;
  const c = api.spec.template.spec.containers[0];
  const env = new Map<string, string>();
  for (const src of c.envFrom ?? []) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === src.configMapRef?.name);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(k, String(v));
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
  const mount = (c.volumeMounts ?? []).find((m: { name: string }) => m.name === 'db-tls');
  const volume = (api.spec.template.spec.volumes ?? []).find((v: { name: string }) => v.name === 'db-tls');
  const item = (volume?.secret ?? volume?.configMap)?.items?.[0];
  return { env, ...(mount && item ? { caPath: { mountPath: mount.mountPath, file: item.path } } : {}) };
}

/** Runs the client with a fixture's rendered api env against a server: host, port, credentials, CA overridden. */
async function connect(fixture: string, server: Server, opts: { host?: string; ca?: string; extra?: string } = {}): Promise<{ cipher?: string; error?: string; extras: string }> {
  const { env, caPath } = apiEnv(renderFixture(fixture, opts.extra).objects);
  let extras = env.get('DB_EXTRAS') ?? '';
  if (caPath) {
    // Where the pod finds the Secret's key: the mount, the item's path; made here in a temp dir.
    const mounted = tempDir('db-tls');
    writeFileSync(join(mounted, caPath.file), opts.ca ?? caPem);
    const wanted = `ssl_ca=${caPath.mountPath}/${caPath.file}`;
    expect(extras).toBe(wanted);
    extras = `ssl_ca=${mounted}/${caPath.file}`;
  }
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DB_TYPE: env.get('DB_TYPE')!,
    DB_DATABASE: env.get('DB_DATABASE')!,
    DB_HOST: opts.host ?? 'localhost',
    DB_PORT: String(server.port),
    DB_USERNAME: USER,
    DB_PASSWORD: PASSWORD,
    ...(extras ? { DB_EXTRAS: extras } : {}),
  };
  const r = await run(PYTHON as string, ['-c', CLIENT_PROGRAM], { env: childEnv, timeoutMs: 60_000 });
  if (r.status !== 0) throw new Error(`client: ${r.all}`);
  return { ...(JSON.parse(r.stdout.trim()) as { cipher?: string; error?: string }), extras: env.get('DB_EXTRAS') ?? '' };
}

describe.skipIf(!READY)('TLS to a real MariaDB with the api image\'s rendered DB settings', () => {
  beforeAll(async () => {
    work = tempDir('mysql-tls');
    await makeCertificates();
    if (isRoot) chownTree(work, 'mysql');
    const databases = [...new Set(['external-mysql-tls.yaml', 'external-seekdb-tls.yaml', 'external-mysql.yaml'].map((f) => apiEnv(renderFixture(f).objects).env.get('DB_DATABASE')!))];
    tlsServer = await startServer('tls', true, databases);
    plainServer = await startServer('plain', false, databases);
  }, 300_000);

  afterAll(async () => {
    await stopAll();
    removeTempDirs();
  });

  it('the rendered DB_EXTRAS and the mounted CA give a TLS session, for each flavour', async () => {
    const r = await connect('external-mysql-tls.yaml', tlsServer);
    expect(r.error).toBeUndefined();
    expect(r.cipher).toMatch(/^TLS_|^ECDHE-|^DHE-/);
    // seekdb's fixture takes its CA from a ConfigMap: the same file, the same session.
    const s = await connect('external-seekdb-tls.yaml', tlsServer);
    expect(s.error).toBeUndefined();
    expect(s.cipher).not.toBe('');
  });

  it('a server certificate from another CA is refused', async () => {
    const r = await connect('external-mysql-tls.yaml', tlsServer, { ca: otherCaPem });
    expect(r.error).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/);
  });

  it('a host name the certificate does not carry is refused (connect by the name in the certificate)', async () => {
    const r = await connect('external-mysql-tls.yaml', tlsServer, { host: '127.0.0.1' });
    expect(r.error).toMatch(/IP address mismatch|hostname|doesn't match/);
  });

  it('TLS without a CA trusts the system bundle only: a private CA is refused', async () => {
    const r = await connect('external-mysql.yaml', tlsServer, { extra: 'externalMysql:\n  tls:\n    enabled: true\n' });
    expect(r.extras).toBe('ssl_ca=/etc/ssl/certs/ca-certificates.crt');
    expect(r.error).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/);
  });

  it('without TLS a server that insists refuses the connection the same settings get from a server that does not', async () => {
    const plain = 'externalMysql:\n  tls:\n    enabled: false\n    ca:\n      secretName: ""\n';
    const accepted = await connect('external-mysql-tls.yaml', plainServer, { extra: plain });
    expect(accepted.extras).toBe('');
    expect(accepted.error).toBeUndefined();
    expect(accepted.cipher).toBe('');
    // MariaDB answers an insecure login under require_secure_transport with access denied.
    const refused = await connect('external-mysql-tls.yaml', tlsServer, { extra: plain });
    expect(refused.error).toMatch(/insecure transport|secure transport|\(1045, /i);
  });

  it('PyMySQL goes on in plain text with a server offering no TLS, even with ssl_ca (so the server must insist)', async () => {
    const r = await connect('external-mysql-tls.yaml', plainServer);
    expect(r.error).toBeUndefined();
    expect(r.cipher).toBe('');
  });
});
