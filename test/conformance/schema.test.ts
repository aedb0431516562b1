/**
 * Our values schema means the same to real Helm: Helm 3.21 and 4.3 validate values.schema.json
 * themselves (santhosh-tekuri/jsonschema), so every file our schema refuses they refuse, and the
 * fixtures (which both accept: fixtures.test.ts) they accept. One case per keyword kind the schema
 * uses, and every cross-field rule of test/fixtures/schema-rules.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageChart } from '../../src/package/chart-archive.js';
import { buildValues } from '../../src/values/index.js';
import { UserError } from '../../src/errors.js';
import { CHART, PINNED, SCHEMA, tempDir } from '../cli/run.js';
import { SCHEMA_RULES } from '../fixtures/schema-rules.js';
import { HELM_MAJORS, helmErrors, helmOrSkip, helmTemplate } from '../support/helm.js';

const haveHelm = helmOrSkip();
let tgz = '';

beforeAll(async () => {
  const archive = await packageChart({ chartDir: CHART });
  tgz = join(tempDir('dify-schema-'), archive.fileName);
  writeFileSync(tgz, archive.bytes);
}, 120_000);

/** [keyword, --set-json values that break it] */
const KEYWORDS: [string, string[]][] = [
  ['type', ['api.replicaCount="two"']],
  ['enum', ['dify.logLevel="LOUD"']],
  ['pattern', ['global.clusterDomain="Cluster_Local"']],
  ['propertyNames', ['dify.extraConfig={"1BAD":"x"}']],
  ['additionalProperties', ['api.bogus=1']],
  ['required', ['routes=[{"path":"/"}]']],
  ['minimum', ['dify.serverWorkerAmount=-1']],
  ['maxLength', [`api.priorityClassName="${'p'.repeat(254)}"`]],
  ['minItems', ['routes=[]']],
  ['not', ['externalPostgresql={"enabled":true,"host":"pg","password":{"value":"pw"}}']],
  ['contains', ['api.replicaCount=2']],
];

function oursRefuse(setJson: string[]): string {
  try {
    buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [PINNED], set: [], setString: [], setFile: [], setJson });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error(`our schema accepts ${setJson.join(' ')}`);
}

describe.skipIf(!haveHelm)('values our schema refuses, real Helm refuses', () => {
  it.each([...KEYWORDS, ...SCHEMA_RULES.map(([what, setJson]): [string, string[]] => [what, setJson])])('%s', async (_what, setJson) => {
    oursRefuse(setJson);
    for (const major of HELM_MAJORS) {
      const r = await helmTemplate(major, tgz, [PINNED], { setJson });
      expect(r.stdout, `helm ${major} rendered`).toBe('');
      expect(r.code).toBe(1);
      expect(helmErrors(r.stderr), `helm ${major}`).toMatch(/^Error: values don't meet the specifications of the schema\(s\) in the following chart\(s\):\ndify:\n/);
    }
  });
});

describe("patterns mean the same to JavaScript and to Go's RE2", () => {
  // \s and \S: JavaScript's take every Unicode space (U+00A0, U+2028, \v...), RE2's only [\t\n\f\r ].
  it('no pattern of the schema uses \\s or \\S', () => {
    const patterns: string[] = [];
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o !== null && typeof o === 'object') for (const [k, v] of Object.entries(o)) k === 'pattern' && typeof v === 'string' ? patterns.push(v) : walk(v);
    };
    walk(JSON.parse(readFileSync(SCHEMA, 'utf8')));
    expect(patterns.length).toBeGreaterThan(10);
    expect(patterns.filter((p) => /\\[sS]/.test(p.replace(/\\\\/g, '')))).toEqual([]);
  });

  it.skipIf(!haveHelm)('a no-break space where a pattern forbids spaces: both accept it, as Go reads \\s', async () => {
    const setJson = ['redis.auth.password={"value":"a\u00a0b"}'];
    buildValues({ chartDir: CHART, schemaPath: SCHEMA, valueFiles: [PINNED], set: [], setString: [], setFile: [], setJson });
    for (const major of HELM_MAJORS) expect((await helmTemplate(major, tgz, [PINNED], { setJson })).code, `helm ${major}`).toBe(0);
  });
});
