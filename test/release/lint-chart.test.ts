/**
 * `dify-chart lint` on the real chart: every developer fixture and the CI install values are
 * clean; a deliberately broken setting is reported with the template, the object and a message,
 * and the command exits 1; names real `helm lint --strict` refuses for their kind are refused too.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatFinding, lintRelease } from '../../src/lint/index.js';
import { packageChart } from '../../src/package/chart-archive.js';
import { cli, tempDir } from '../cli/run.js';
import { helm, HELM_MAJORS, helmOrSkip } from '../support/helm.js';

const haveHelm = helmOrSkip();

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'chart');
const SCHEMA = join(ROOT, 'chart', 'values.schema.json');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'values');

const base = { chartDir: CHART, schemaPath: SCHEMA, set: [], setString: [], setFile: [], setJson: [] };

async function lint(valueFiles: string[], set: string[] = []): Promise<string[]> {
  return (await lintRelease({ ...base, valueFiles, set })).map(formatFinding);
}

describe('dify-chart lint on the chart', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
  for (const f of files) {
    it(`fixture ${f} is clean`, async () => {
      expect(await lint([join(FIXTURES, f)])).toEqual([]);
    }, 30_000);
  }

  it('the CI install values (.github/ci-values.yaml) pass the schema and are clean', async () => {
    expect(await lint([join(ROOT, '.github', 'ci-values.yaml')])).toEqual([]);
  }, 30_000);

  it('reports a latest tag in the rendered Deployment', async () => {
    const lines = await lint([], ['api.image.tag=latest']);
    expect(lines).toContain(
      'templates/api/deployment.yaml: Deployment/release-name-dify-api: spec.template.spec.containers[0] (api): image langgenius/dify-api:latest uses the latest tag; pin a version',
    );
  }, 30_000);

  it('reports names the API server refuses for their kind where helm lint --strict does, and no other', async () => {
    // A leading digit: a Service name (a DNS-1035 label) cannot start with one, a Deployment name can.
    const digit = await lint([], ['fullnameOverride=0abc']);
    expect(digit.length).toBeGreaterThan(0);
    for (const l of digit) expect(l).toMatch(/^templates\/[\w./-]+: Service\/0abc-[\w-]+: metadata\.name: "0abc-[\w-]+" does not conform to Kubernetes naming requirements: Service names are a DNS-1035 label/);
    const extra = await lint([], [
      'extraObjects[0].apiVersion=v1', 'extraObjects[0].kind=ConfigMap', 'extraObjects[0].metadata.name=Bad_Name',
      'extraObjects[1].apiVersion=rbac.authorization.k8s.io/v1', 'extraObjects[1].kind=Role', 'extraObjects[1].metadata.name=a.b-c',
    ]);
    expect(extra.filter((l) => l.includes('does not conform'))).toEqual([
      'templates/extra-objects.yaml: ConfigMap/Bad_Name: metadata.name: "Bad_Name" does not conform to Kubernetes naming requirements: ConfigMap names are a DNS-1123 subdomain (at most 253 lowercase letters, digits, \'-\' and \'.\', each part starting and ending alphanumeric)',
    ]);
  }, 30_000);

  it('lints the items of a v1 List as objects (kubectl applies them; the List has no schema of its own)', async () => {
    const list = (items: string[]): string[] => ['extraObjects[0].apiVersion=v1', 'extraObjects[0].kind=List', 'extraObjects[0].metadata.name=l', ...items];
    expect(await lint([], list(['extraObjects[0].items[0].apiVersion=v1', 'extraObjects[0].items[0].kind=ConfigMap', 'extraObjects[0].items[0].metadata.name=ok']))).toEqual([]);
    expect(await lint([], list(['extraObjects[0].items[0].apiVersion=v1', 'extraObjects[0].items[0].kind=ConfigMap', 'extraObjects[0].items[0].metadata.name=ok', 'extraObjects[0].items[0].metadata.annotations.helm\\.sh/resource-policy=keep']))).toEqual([
      'templates/extra-objects.yaml: List/l: items[0]: the helm.sh/resource-policy annotation is ignored within a List',
    ]);
    expect(await lint([], list(['extraObjects[0].items[0].apiVersion=v1', 'extraObjects[0].items[0].kind=ConfigMap', 'extraObjects[0].items[0].metadata.name=Bad_Name', 'extraObjects[0].items[1]=x']))).toEqual([
      'templates/extra-objects.yaml: List/l: items[1]: not a Kubernetes object (not a map)',
      'templates/extra-objects.yaml: List/l ConfigMap/Bad_Name: metadata.name: "Bad_Name" does not conform to Kubernetes naming requirements: ConfigMap names are a DNS-1123 subdomain (at most 253 lowercase letters, digits, \'-\' and \'.\', each part starting and ending alphanumeric)',
    ]);
  }, 30_000);

  it("checks a List's own name, and its items against the objects around it for duplicates", async () => {
    const lines = await lint([], [
      'extraObjects[0].apiVersion=v1', 'extraObjects[0].kind=ConfigMap', 'extraObjects[0].metadata.name=dup',
      'extraObjects[1].apiVersion=v1', 'extraObjects[1].kind=List', 'extraObjects[1].metadata.name=Bad_List',
      'extraObjects[1].items[0].apiVersion=v1', 'extraObjects[1].items[0].kind=ConfigMap', 'extraObjects[1].items[0].metadata.name=dup',
    ]);
    expect(lines).toEqual([
      'templates/extra-objects.yaml: List/Bad_List: metadata.name: "Bad_List" does not conform to Kubernetes naming requirements: List names are a DNS-1123 subdomain (at most 253 lowercase letters, digits, \'-\' and \'.\', each part starting and ending alphanumeric)',
      'templates/extra-objects.yaml: List/Bad_List ConfigMap/dup: duplicate object (also rendered by templates/extra-objects.yaml)',
    ]);
  }, 30_000);

  it.skipIf(!haveHelm)('real helm lint --strict refuses the same names and List annotations, and takes the same Role name and List', async () => {
    const dir = tempDir('dify-lint-names-');
    const archive = await packageChart({ chartDir: CHART });
    const tgz = join(dir, archive.fileName);
    writeFileSync(tgz, archive.bytes);
    const NAME = 'object name does not conform to Kubernetes naming requirements';
    const item = ['--set', 'extraObjects[0].apiVersion=v1', '--set', 'extraObjects[0].kind=List', '--set', 'extraObjects[0].metadata.name=l', '--set', 'extraObjects[0].items[0].apiVersion=v1', '--set', 'extraObjects[0].items[0].kind=ConfigMap', '--set', 'extraObjects[0].items[0].metadata.name=ok'];
    const cases: [string[], string | null][] = [
      [['--set', 'fullnameOverride=0abc'], NAME],
      [['--set', 'extraObjects[0].apiVersion=v1', '--set', 'extraObjects[0].kind=ConfigMap', '--set', 'extraObjects[0].metadata.name=Bad_Name'], NAME],
      [['--set', 'extraObjects[0].apiVersion=rbac.authorization.k8s.io/v1', '--set', 'extraObjects[0].kind=Role', '--set', 'extraObjects[0].metadata.name=a.b-c'], null],
      [item, null],
      [[...item, '--set', 'extraObjects[0].items[0].metadata.annotations.helm\\.sh/resource-policy=keep'], 'within List objects are ignored'],
    ];
    for (const [args, words] of cases) {
      const clean = words === null;
      for (const major of HELM_MAJORS) {
        const r = await helm(major, ['lint', '--strict', tgz, ...args]);
        expect(r.code, `helm ${major} ${args.join(' ')}: ${r.stdout}`).toBe(clean ? 0 : 1);
        if (words !== null) expect(r.stdout + r.stderr).toContain(words);
      }
      const ours = await cli(['lint', '--strict', ...args]);
      expect(ours.code, `${args.join(' ')}: ${ours.stdout}${ours.stderr}`).toBe(clean ? 0 : 1);
    }
  }, 120_000);

  it('exits 1 with one line per finding, and 0 when clean', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    expect(await main(['lint', '--set', 'api.image.tag=latest'], io)).toBe(1);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^templates\/[\w./-]+\.yaml: \w+\/[\w.-]+: .+/);
    expect(err.join('')).toMatch(/^Error: lint: \d+ findings?\n$/);
    out.length = 0;
    expect(await main(['lint', '-f', join(FIXTURES, 'defaults.yaml')], io)).toBe(0);
    expect(out.join('')).toBe('lint: no findings\n');
  }, 30_000);
});
