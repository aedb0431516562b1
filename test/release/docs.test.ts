/**
 * `dify-chart docs`: the values table is generated exactly (helm-docs conventions) and the
 * committed chart/README.md is fresh. When the second test fails, run `npx dify-chart docs`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docsCommand, expectedReadme } from '../../src/cli/docs.js';
import { defaultReadme, spliceTable, TABLE_END, TABLE_START, valuesTable } from '../../src/docs/values-table.js';
import { UserError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');

const SAMPLE = `# Defaults of a sample chart. This is not a description (no "--").
image:
  # -- Image repository.
  repository: nginx
  # -- Image tag.
  # @default -- the chart's \`appVersion\`
  tag: ""
# -- Replicas of the
# Deployment, over two lines.
replicas: 2
# -- (int) Port, typed by the comment.
port: null
ratio: 0.5
enabled: yes
# -- Pipes | are escaped.
env: {}
# -- A map documented as a whole; its children follow.
resources:
  limits:
    memory: 1Gi
list: [a, "b\`c"]
"dotted.key": x
fromSchema: 1
`;

const SCHEMA = {
  type: 'object',
  properties: {
    ratio: { type: 'number', description: 'From the schema.' },
    fromSchema: { $ref: '#/definitions/counted' },
    replicas: { type: 'integer', description: 'The comment wins over this.' },
  },
  definitions: { counted: { type: 'integer', description: 'Through a $ref.' } },
};

const EXPECTED = `| Key | Type | Default | Description |
|-----|------|---------|-------------|
| image.repository | string | \`"nginx"\` | Image repository. |
| image.tag | string | the chart's \`appVersion\` | Image tag. |
| replicas | int | \`2\` | Replicas of the Deployment, over two lines. |
| port | int | \`null\` | Port, typed by the comment. |
| ratio | float | \`0.5\` | From the schema. |
| enabled | bool | \`true\` |  |
| env | object | \`{}\` | Pipes \\| are escaped. |
| resources | object | \`{"limits":{"memory":"1Gi"}}\` | A map documented as a whole; its children follow. |
| resources.limits.memory | string | \`"1Gi"\` |  |
| list | list | \`\` ["a","b\`c"] \`\` |  |
| ["dotted.key"] | string | \`"x"\` |  |
| fromSchema | int | \`1\` | Through a $ref. |
`;

describe('values table', () => {
  it('is generated exactly for a sample values file', () => {
    expect(valuesTable(SAMPLE, SCHEMA)).toBe(EXPECTED);
  });

  it('replaces only the text between the markers', () => {
    const readme = `# x\n\nintro\n\n${TABLE_START}\nold table\n${TABLE_END}\n\nfooter\n`;
    expect(spliceTable(readme, '| t |\n')).toBe(`# x\n\nintro\n\n${TABLE_START}\n\n| t |\n\n${TABLE_END}\n\nfooter\n`);
    expect(() => spliceTable('# no markers\n', '| t |\n')).toThrow(UserError);
  });

  it('creates a README with install commands and the markers when the chart has none', async () => {
    const chart = mkdtempSync(join(tmpdir(), 'dify-docs-'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\ndescription: A demo.\n');
    writeFileSync(join(chart, 'values.yaml'), SAMPLE);
    const out: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) };
    await expect(docsCommand({ chart, schema: join(chart, 'none.json'), check: true }, io)).rejects.toThrow(/README.md is stale: run `dify-chart docs`/);
    await docsCommand({ chart, schema: join(chart, 'none.json') }, io);
    const readme = readFileSync(join(chart, 'README.md'), 'utf8');
    expect(readme.startsWith(defaultReadme({ name: 'demo', description: 'A demo.' }).split(TABLE_START)[0]!)).toBe(true);
    expect(readme).toContain('helm install my-demo demo/demo');
    expect(readme).toContain('| image.repository | string | `"nginx"` | Image repository. |');
    await docsCommand({ chart, schema: join(chart, 'none.json'), check: true }, io);
    expect(out.at(-1)).toMatch(/is up to date/);
  });
});

describe('dify-chart docs --chart DIR', () => {
  it("fills keys without a comment from DIR's own values.schema.json, never the shipped one", async () => {
    const chart = mkdtempSync(join(tmpdir(), 'dify-docs-own-'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    writeFileSync(join(chart, 'values.yaml'), 'fromSchema: 1\n');
    writeFileSync(join(chart, 'values.schema.json'), JSON.stringify({ properties: { fromSchema: { type: 'integer', description: 'From the chart folder.' } } }));
    const io = { out: (): void => undefined, err: (): void => undefined };
    await docsCommand({ chart }, io);
    expect(readFileSync(join(chart, 'README.md'), 'utf8')).toContain('| fromSchema | int | `1` | From the chart folder. |');
  });
});

describe('chart/README.md', () => {
  it('has a values table that is fresh for the current chart/values.yaml and schema (else run `npx dify-chart docs`)', () => {
    const { current, expected } = expectedReadme({
      chartDir: join(ROOT, 'chart'),
      schemaPath: join(ROOT, 'chart', 'values.schema.json'),
      readmePath: join(ROOT, 'chart', 'README.md'),
    });
    expect(current, 'chart/README.md is missing: run `npx dify-chart docs`').toBeDefined();
    if (current === expected) return;
    // Name the first rows that differ instead of printing two 800-line strings.
    const have = new Set(current!.split('\n'));
    const want = new Set(expected.split('\n'));
    const stale = [...have].filter((l) => !want.has(l)).slice(0, 5).map((l) => `- ${l}`);
    const fresh = [...want].filter((l) => !have.has(l)).slice(0, 5).map((l) => `+ ${l}`);
    expect.fail(`chart/README.md is stale: run \`npx dify-chart docs\`\n${[...stale, ...fresh].join('\n')}`);
  });
});
