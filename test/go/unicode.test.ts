/**
 * Go's Unicode (15.0.0 in Go 1.26), not the running Node's (Unicode 17 in Node 26): what `quote`
 * and `%q` escape, how `lower` and `upper` map, how toYaml sorts keys. src/go/unicode-tables.ts is
 * what tools/unicode-tables/main.go prints; with Go at hand (always in CI) the program is run and
 * its output must be the committed file, and Go's answer for every code point must be ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { goQuote, goQuoteRune } from '../../src/go/fmt.js';
import { goSanitizeString, goToLower, goToUpper } from '../../src/go/strings.js';
import { goLowerRune, goUpperRune, isGoDigit, isGoLetter, isGoPrint } from '../../src/go/unicode.js';
import { UNICODE_VERSION } from '../../src/go/unicode-tables.js';
import { exec } from '../support/exec.js';

const ROOT = join(import.meta.dirname, '..', '..');
const GO = ['/usr/local/go/bin/go', ...(process.env['PATH'] ?? '').split(':').map((d) => join(d, 'go'))].find((p) => existsSync(p));
if (GO === undefined && process.env['CI'] === 'true') throw new Error('Go is required in CI to check src/go/unicode-tables.ts');

const goRun = async (...args: string[]) => {
  const r = await exec(GO!, ['run', 'tools/unicode-tables/main.go', ...args], { cwd: ROOT, timeoutMs: 300_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
};

describe.skipIf(GO === undefined)('the tables are Go’s', () => {
  it('tools/unicode-tables prints src/go/unicode-tables.ts as committed', async () => {
    expect(await goRun()).toBe(readFileSync(join(ROOT, 'src/go/unicode-tables.ts'), 'utf8'));
  }, 300_000);

  it('every code point: IsPrint, IsLetter, IsDigit, ToLower and ToUpper as Go answers', async () => {
    const [bits, ...lines] = (await goRun('-answers')).trimEnd().split('\n');
    expect(bits!.length).toBe(0x110000);
    const wrong: string[] = [];
    for (let c = 0; c < 0x110000 && wrong.length < 10; c++) {
      const ours = (isGoPrint(c) ? 1 : 0) | (isGoLetter(c) ? 2 : 0) | (isGoDigit(c) ? 4 : 0);
      if (ours !== bits!.charCodeAt(c) - 0x30) wrong.push(`U+${c.toString(16)}: ${ours} not ${bits![c]}`);
    }
    const mapped = new Map(lines.map((l) => l.split(' ').map((x) => parseInt(x, 16)) as [number, number, number]).map(([c, lo, up]) => [c, [lo, up]]));
    for (let c = 0; c < 0x110000 && wrong.length < 10; c++) {
      const [lo, up] = mapped.get(c) ?? [c, c];
      if (goLowerRune(c) !== lo || goUpperRune(c) !== up) wrong.push(`U+${c.toString(16)}: ${goLowerRune(c)}/${goUpperRune(c)} not ${lo}/${up}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});

describe('Unicode 15.0.0 whatever Node ships', () => {
  it('is the version of the tables', () => {
    expect(UNICODE_VERSION).toBe('15.0.0');
  });

  it('quotes characters added since (Unicode 16 and 17) as Go does: escaped, not printable', () => {
    expect(goQuote('tired \u{1fae9}')).toBe('"tired \\U0001fae9"');
    expect(goQuote('\u{1c89}\u{a7cb}')).toBe('"\\u1c89\\ua7cb"');
    expect(goQuoteRune(0x1fae9n)).toBe("'\\U0001fae9'");
    expect(goQuote('é😀\u00ad')).toBe('"é😀\\u00ad"');
    expect(goSanitizeString('a\u{1fae9}b\tc')).toBe('ab c');
  });

  it('maps case by Go’s simple mapping, leaving characters added since as they are', () => {
    expect(goToLower('\u{a7cb}\u{1c89}\u{10d50}Ä')).toBe('\u{a7cb}\u{1c89}\u{10d50}ä');
    expect(goToUpper('\u{264}\u{1c8a}\u{10d70}ä')).toBe('\u{264}\u{1c8a}\u{10d70}Ä');
    expect(goToUpper('ß ﬁ ŉ ᾳ ǅ')).toBe('ß ﬁ ŉ ᾼ Ǆ');
    expect(goToLower('İ Σ ǅ K')).toBe('i σ ǆ k');
    expect(goToLower('a\ud800B')).toBe('a\ud800b');
  });
});
