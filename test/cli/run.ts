/**
 * Runs the real command line, `node bin/dify-chart ...`, in a child process (it starts the built
 * JavaScript in dist/, so `npm run build` must have run), and snapshots folders so a test can
 * prove a failing command left one byte for byte as it was.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '../support/k8s.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'dify-chart');
export const CHART = join(ROOT, 'chart');
export const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');
export const fixture = (name: string): string => join(FIXTURES, name);
/** Every generated secret pinned: renders are deterministic and print no note. */
export const PINNED = fixture('defaults.yaml');

export const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
if (!built) throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does)');

export interface CliResult {
  code: number | null;
  /** The signal that ended the child, when one did (a timeout kills with SIGKILL). */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Standard input; none closes it at once. */
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the child (SIGKILL) after this many ms: a hang ends as `code: null, signal: 'SIGKILL'`. */
  timeoutMs?: number;
}

/** `node bin/dify-chart ...args`: exit code, stdout and stderr. */
export function cli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return run(process.execPath, [BIN, ...args], opts);
}

/** `bin/dify-chart ...args` run as a command (through its shell lines), as an installed CLI runs. */
export function command(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return run(BIN, args, opts);
}

function run(file: string, args: string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, ...(signal ? { signal } : {}), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

export function tempDir(prefix = 'dify-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Everything under `dir` as `relative path -> description` (file bytes as base64 with the mode,
 * folders and links by their mode and target), so two snapshots are equal only when the folder
 * is byte for byte the same.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    const abs = join(dir, rel);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      st = undefined; // ENOENT, or ENOTDIR under a file
    }
    if (!st) {
      out[rel || '.'] = 'missing';
      return;
    }
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(abs)}`;
    else if (st.isDirectory()) {
      out[rel || '.'] = `dir ${mode}`;
      for (const name of readdirSync(abs).sort()) walk(rel ? join(rel, name) : name);
    } else out[rel] = `file ${mode} ${readFileSync(abs).toString('base64')}`;
  };
  walk('');
  return out;
}

export type { K8sObject } from '../support/k8s.js';

/** Every YAML document of a render, parsed (empty documents dropped); a parse error throws. */
export function parseDocs(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const js = doc.toJS() as K8sObject | null;
    if (js !== null) objects.push(js);
  }
  return objects;
}

/** The `# Source:` path of every document, in order. */
export function sources(text: string): string[] {
  return [...text.matchAll(/^# Source: (.+)$/gm)].map((m) => m[1]!);
}
