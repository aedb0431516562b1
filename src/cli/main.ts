/**
 * The command line: parses flags and calls the stages (values → render → package). Every user
 * error becomes one line on stderr and exit code 1; usage errors exit 2; stdout is written only
 * after the whole command has succeeded.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_KUBE_VERSION } from '../render/capabilities.js';
import { UsageError, UserError } from '../values/types.js';
// Commands load on use: a cold `render` must not pay for archives, docs or Kubernetes models.
import type { renderCommand } from './render.js';
import type { packageCommand } from './package.js';
import type { docsCommand } from './docs.js';
import type { lintCommand } from './lint.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('dify-chart')
    .description('Render and package the Dify Helm chart; output is byte-identical to Helm')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (s, write) => write(usageLine(s)) })
    .showHelpAfterError(false)
    .allowExcessArguments(false); // inherited by every command: `render a b` is a usage error

  program
    .command('render')
    .description('render the chart to Kubernetes manifests, as `helm template` prints them')
    .argument('[release]', 'release name', 'release-name')
    .option('-f, --values <file>', 'values file to merge over the defaults (repeatable, later wins; - reads stdin)', collect, [])
    .option('--set <key=val>', 'set values on the command line (repeatable; a.b=c, list[0]=x, a={x,y})', collect, [])
    .option('--set-string <key=val>', 'like --set, but every value stays a string', collect, [])
    .option('--set-file <key=path>', 'set a value to the contents of a file', collect, [])
    .option('--set-json <key=json>', 'set a value to a JSON value', collect, [])
    .option('-n, --namespace <ns>', 'namespace of the release', 'default')
    .option('-s, --show-only <path>', 'print only manifests from this template, e.g. templates/api.yaml (repeatable)', collect, [])
    .option('--output-dir <dir>', 'write each template to <dir>/dify/templates/<file> instead of stdout')
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion', DEFAULT_KUBE_VERSION)
    .option('-a, --api-versions <version>', 'extra API version for Capabilities.APIVersions (repeatable)', collect, [])
    .option('--chart <dir>', 'chart folder to render (default: the chart shipped with dify-chart)')
    .option('--lookup', "resolve `lookup` against the cluster of your kubeconfig (via kubectl), as helm install does, so generated secrets stay stable")
    .option('--debug', 'print stack traces for internal errors (secret values are never printed)')
    .action(async (release: string, opts: Parameters<typeof renderCommand>[1]) => {
      await (await import('./render.js')).renderCommand(release, opts, io);
    });

  program
    .command('package')
    .description('write the chart as a Helm archive dify-<version>.tgz (templates compiled to Go)')
    .option('-d, --destination <dir>', 'folder to write the archive to', '.')
    .option('--version <version>', "override the chart's version")
    .option('--app-version <version>', "override the chart's appVersion")
    .option('--chart <dir>', 'chart folder to package (default: the chart shipped with dify-chart)')
    .action(async (opts: Parameters<typeof packageCommand>[0]) => {
      await (await import('./package.js')).packageCommand(opts, io);
    });

  const repo = program.command('repo').description('Helm repository tools');
  repo
    .command('index')
    .description('write index.yaml for the chart archives in a folder, as `helm repo index` does')
    .argument('<dir>', 'folder holding dify-*.tgz archives')
    .option('--url <url>', 'URL of the chart repository (prefix of every archive URL)')
    .option('--merge <file>', 'merge the entries of this existing index.yaml')
    .action(async (dir: string, opts: { url?: string; merge?: string }) => {
      await (await import('./package.js')).repoIndexCommand(dir, opts, io);
    });

  program
    .command('docs')
    .description("regenerate the values table of the chart's README.md from values.yaml comments and the schema")
    .option('--check', 'do not write; exit 1 when the README is stale')
    .option('--chart <dir>', 'chart folder (default: the chart shipped with dify-chart)')
    .option('--schema <file>', 'values schema whose descriptions fill keys without a comment')
    .option('--readme <file>', 'README to update (default: <chart>/README.md)')
    .action(async (opts: Parameters<typeof docsCommand>[0]) => {
      await (await import('./docs.js')).docsCommand(opts, io);
    });

  program
    .command('lint')
    .description('check values, Kubernetes schemas of the rendered manifests and the chart rules')
    .argument('[release]', 'release name', 'release-name')
    .option('-f, --values <file>', 'values file to merge over the defaults (repeatable)', collect, [])
    .option('--set <key=val>', 'set values on the command line (repeatable)', collect, [])
    .option('--set-string <key=val>', 'like --set, but every value stays a string', collect, [])
    .option('--set-file <key=path>', 'set a value to the contents of a file', collect, [])
    .option('--set-json <key=json>', 'set a value to a JSON value', collect, [])
    .option('-n, --namespace <ns>', 'namespace of the release', 'default')
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion', DEFAULT_KUBE_VERSION)
    .option('-a, --api-versions <version>', 'extra API version for Capabilities.APIVersions (repeatable)', collect, [])
    .option('--chart <dir>', 'chart folder to lint (default: the chart shipped with dify-chart)')
    .action(async (release: string, opts: Parameters<typeof lintCommand>[1]) => {
      await (await import('./lint.js')).lintCommand(release, opts, io);
    });

  return program;
}

/** Commander's message as our one line: `Error: unknown option '--x' (did you mean --set?)`. */
function usageLine(s: string): string {
  const text = s.trim().replace(/^error: /, '').replace(/\n\(Did you mean (.*)\)$/, ' (did you mean $1)');
  return `Error: ${text.replace(/\s*\n\s*/g, ' ')}\n`;
}

/** Every line of a message with the `Error: ` prefix: one error per line, each greppable. */
function errorLines(message: string): string {
  return message
    .split('\n')
    .map((line) => `Error: ${line}\n`)
    .join('');
}

export async function main(argv: string[], io = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(io);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; real usage mistakes already printed one line.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.err(errorLines(e.message));
      return 2;
    }
    if (e instanceof UserError) {
      io.err(errorLines(e.message));
      return 1;
    }
    io.err(`Error: internal error: ${(e as Error).message}\n`);
    if (debug) io.err(`${(e as Error).stack ?? ''}\n`);
    return 3;
  }
}
