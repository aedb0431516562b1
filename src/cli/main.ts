/**
 * The command line: parses flags and calls the stages (values → render → package). Every user
 * error becomes one line on stderr and exit code 1; usage errors exit 2; stdout is written only
 * after the whole command has succeeded.
 */
import { Command, CommanderError, Help, InvalidArgumentError, type Option } from 'commander';
import { CsvError, readCsvRecord } from '../go/csv.js';
import { processIO } from '../io/stdio.js';
import { versionLine } from '../io/version.js';
import { DEFAULT_KUBE_VERSION } from '../render/capabilities.js';
import { UsageError, UserError } from '../errors.js';
// Commands load on use: a cold `render` must not pay for archives, docs or Kubernetes models.
import type { renderCommand } from './render.js';
import type { packageCommand } from './package.js';
import type { docsCommand } from './docs.js';
import type { lintCommand } from './lint.js';
import type { migrateCommand } from './migrate.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** A flag Helm declares as a string slice (`-f`, `-a`): each use is a comma-separated list, read as pflag reads it. */
const collectList = (v: string, prev: string[]): string[] => {
  try {
    return [...prev, ...readCsvRecord(v)];
  } catch (e) {
    if (e instanceof CsvError) throw new InvalidArgumentError(`Helm reads it as comma-separated values: ${e.message}`);
    throw e;
  }
};

/** Help without `(default: [])`: a repeatable flag given no times is simply absent. */
const help = new Help();
function optionDescription(option: Option): string {
  if (!Array.isArray(option.defaultValue) || option.defaultValue.length > 0) return help.optionDescription(option);
  const shown = Object.assign(Object.create(Object.getPrototypeOf(option) as object) as Option, option, { defaultValue: undefined });
  return help.optionDescription(shown);
}

/** `Examples:` after a command's help: each a comment line and a command line. */
function examples(...list: [string, string][]): string {
  return `\nExamples:\n${list.map(([what, cmd]) => `  # ${what}\n  $ ${cmd}\n`).join('')}`;
}

/** The values flags `render` and `lint` share, in Helm's order of application. */
function valuesOptions(cmd: Command): Command {
  return cmd
    .option('-f, --values <file>', 'values file to merge over the defaults (repeatable or comma-separated, later wins; - reads stdin)', collectList, [])
    .option('--set <key=val>', 'set values on the command line (repeatable; a.b=c, list[0]=x, a={x,y})', collect, [])
    .option('--set-string <key=val>', 'like --set, but every value stays a string', collect, [])
    .option('--set-file <key=path>', 'set a value to the contents of a file', collect, [])
    .option('--set-json <key=json>', 'set a value to a JSON value', collect, [])
    .option('--set-literal <key=val>', 'set a value to the literal text after = (no escapes, commas or types; repeatable)', collect, []);
}

export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }): Command {
  const program = new Command('dify-chart')
    .description('Render and package the Dify Helm chart; output is byte-identical to Helm')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (s, write) => write(usageLine(s)) })
    .configureHelp({ optionDescription })
    .showHelpAfterError(false)
    // Program flags only before the command: `package --version 1.2.3` is package's flag.
    .enablePositionalOptions()
    .allowExcessArguments(false); // inherited by every command: `render a b c` is a usage error
  program.option('--version', 'print the version of dify-chart and of its chart').on('option:version', () => {
    io.out(`${versionLine()}\n`);
    throw new CommanderError(0, 'commander.version', 'version printed'); // ends the parse, exit 0
  });
  program.addHelpText(
    'after',
    examples(
      ['render the chart and apply it', 'dify-chart render my-dify -n dify -f my-values.yaml | kubectl apply -n dify -f -'],
      ['write a Helm archive for helm install', 'dify-chart package --destination ~/charts'],
      ['check values and the rendered manifests', 'dify-chart lint -f my-values.yaml --strict'],
    ),
  );

  program
    .command('version')
    .description('print the version of dify-chart and of the chart it ships')
    .addHelpText('after', examples(['print the versions', 'dify-chart version'], ['the same, as a flag', 'dify-chart --version']))
    .action(() => {
      io.out(`${versionLine()}\n`);
    });

  valuesOptions(
    program
      .command('render')
      .description('render the chart to Kubernetes manifests, as `helm template` prints them')
      .argument('[release]', 'release name', 'release-name')
      .argument('[chart]', 'chart folder to render, as --chart; given alone, a path (./chart) is the chart, as in helm template'),
  )
    .option('-n, --namespace <ns>', "namespace of the release (default: $HELM_NAMESPACE, else your kubeconfig context's, else default, as Helm)")
    .option('-s, --show-only <path>', 'print only manifests from this template, e.g. templates/api/deployment.yaml, or a pattern: templates/api/* (repeatable)', collect, [])
    .option('--output-dir <dir>', 'write each template to <dir>/dify/templates/<file> instead of stdout')
    .option('--release-name', 'with --output-dir: write below <dir>/<release>/, as helm template --release-name')
    .option('--skip-tests', 'leave the test hooks (helm test) out of the output, as helm template --skip-tests')
    .option('--no-hooks', 'leave every hook (migration, credentials, tests) out of the output, as helm template --no-hooks')
    .option('--is-upgrade', 'render with .Release.IsUpgrade true instead of .Release.IsInstall, as helm template --is-upgrade')
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion', DEFAULT_KUBE_VERSION)
    .option('-a, --api-versions <version>', 'extra API version for Capabilities.APIVersions (repeatable or comma-separated)', collectList, [])
    .option('--chart <dir>', 'chart folder to render (default: the chart shipped with dify-chart)')
    .option('--lookup', "with --chart: resolve `lookup` against the cluster of your kubeconfig (via kubectl), as helm install does (the shipped chart calls no lookup)")
    .option('--debug', 'print stack traces for internal errors (secret values are never printed)')
    .addHelpText(
      'after',
      examples(
        ['render release my-dify into namespace dify and apply it', 'dify-chart render my-dify -n dify -f my-values.yaml | kubectl apply -n dify -f -'],
        ['only the api manifests, a value taken literally', "dify-chart render -s 'templates/api/*' --set-literal dify.extraConfig.GREETING='a,b\\c'"],
        ['render another chart folder into files', 'dify-chart render my-dify ./my-chart --output-dir ~/manifests'],
      ),
    )
    .action(async (first: string, second: string | undefined, opts: Parameters<typeof renderCommand>[1]) => {
      const { releaseAndChart, chartArgument } = await import('./common.js');
      const { release, chart } = releaseAndChart(first, second);
      const chartDir = chartArgument(chart, opts.chart);
      await (await import('./render.js')).renderCommand(release ?? 'release-name', { ...opts, ...(chartDir !== undefined ? { chart: chartDir } : {}) }, io);
    });

  program
    .command('package')
    .description('write the chart as a Helm archive dify-<version>.tgz (templates compiled to Go)')
    .argument('[chart]', 'chart folder to package, as --chart (default: the chart shipped with dify-chart)')
    .option('-d, --destination <dir>', 'folder to write the archive to', '.')
    .option('--version <version>', "override the chart's version")
    .option('--app-version <version>', "override the chart's appVersion")
    .option('--chart <dir>', 'chart folder to package (default: the chart shipped with dify-chart)')
    .addHelpText(
      'after',
      examples(
        ['package the shipped chart into ~/charts', 'dify-chart package --destination ~/charts'],
        ['package a chart folder with another version', 'dify-chart package ./my-chart --version 1.2.3 -d ~/charts'],
      ),
    )
    .action(async (chart: string | undefined, opts: Parameters<typeof packageCommand>[1]) => {
      await (await import('./package.js')).packageCommand(chart, opts, io);
    });

  const repo = program
    .command('repo')
    .description('Helm repository tools')
    .addHelpText(
      'after',
      examples(
        ['index the archives of a folder', 'dify-chart repo index ~/charts --url https://example.com/charts'],
        ['help for the index command', 'dify-chart repo index --help'],
      ),
    );
  repo
    .command('index')
    .description('write index.yaml for the chart archives in a folder, as `helm repo index` does')
    .argument('<dir>', 'folder holding dify-*.tgz archives')
    .option('--url <url>', 'URL of the chart repository (prefix of every archive URL)')
    .option('--merge <file>', 'merge the entries of this existing index.yaml (a missing file is an empty index)')
    .addHelpText(
      'after',
      examples(
        ['index the archives of ~/charts', 'dify-chart repo index ~/charts --url https://example.com/charts'],
        ['keep the entries of the published index', 'dify-chart repo index ~/charts --url https://example.com/charts --merge old-index.yaml'],
      ),
    )
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
    .addHelpText(
      'after',
      examples(['regenerate chart/README.md', 'dify-chart docs'], ['fail when it is stale (CI)', 'dify-chart docs --check']),
    )
    .action(async (opts: Parameters<typeof docsCommand>[0]) => {
      await (await import('./docs.js')).docsCommand(opts, io);
    });

  valuesOptions(
    program
      .command('lint')
      .description('check values, Kubernetes schemas of the rendered manifests and the chart rules')
      .argument('[chart]', 'chart folder to lint, as --chart (default: the chart shipped with dify-chart)'),
  )
    .option('--release <name>', 'release name to render with', 'release-name')
    .option('--strict', 'fail on warnings too')
    .option('--server', "also dry-run the manifests on your current kubeconfig context's API server (kubectl apply --server-side --dry-run=server); nothing is changed")
    .option('-n, --namespace <ns>', "namespace of the release (default: $HELM_NAMESPACE, else your kubeconfig context's, else default, as Helm)")
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion', DEFAULT_KUBE_VERSION)
    .option('-a, --api-versions <version>', 'extra API version for Capabilities.APIVersions (repeatable or comma-separated)', collectList, [])
    .option('--chart <dir>', 'chart folder to lint (default: the chart shipped with dify-chart)')
    .addHelpText(
      'after',
      examples(
        ['lint the shipped chart with your values', 'dify-chart lint -f my-values.yaml'],
        ['lint a chart folder, warnings failing too', 'dify-chart lint ./my-chart --strict --release my-dify -n dify'],
        ['ask the cluster too (kubectl on PATH, your kubeconfig)', 'dify-chart lint -f my-values.yaml -n dify --server'],
      ),
    )
    .action(async (chart: string | undefined, opts: Parameters<typeof lintCommand>[1]) => {
      await (await import('./lint.js')).lintCommand(chart, opts, io);
    });

  program
    .command('migrate')
    .description("print values for this chart from another Dify chart's values file (unmapped keys and checks on stderr)")
    .argument('<file>', 'values file of the old release')
    .option('--from <chart>', 'the chart the file is for: dify-helm (BorisPolonsky/dify-helm) or douban (douban/charts)')
    .option('--strict', 'exit 1 when a key cannot be mapped')
    .option('--release <name>', "the old release's name (its Secrets and Services are named after it)", 'dify')
    .addHelpText(
      'after',
      examples(
        ['values for this chart from a dify-helm release named dify', 'dify-chart migrate --from dify-helm old-values.yaml > values.yaml'],
        ['from douban/charts, release my-dify, failing on anything unmapped', 'dify-chart migrate --from douban old.yaml --release my-dify --strict'],
      ),
    )
    .action(async (file: string, opts: Parameters<typeof migrateCommand>[1]) => {
      await (await import('./migrate.js')).migrateCommand(file, opts, io);
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

export async function main(argv: string[], io = processIO()): Promise<number> {
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
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      // Input nested past what the steps before the values check can recurse through (a --set
      // with thousands of [0], a values file as deep): the user's doing, not a defect.
      io.err(`Error: the input nests too deeply for dify-chart (${e.message})\n`);
      if (debug) io.err(`${e.stack ?? ''}\n`);
      return 1;
    }
    io.err(`Error: internal error: ${(e as Error).message}\n`);
    if (debug) io.err(`${(e as Error).stack ?? ''}\n`);
    return 3;
  }
}
