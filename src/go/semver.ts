/**
 * Semantic versions as Helm reads them (Masterminds/semver v3.5), on the npm `semver` package:
 * the one place dify-chart parses, orders and checks versions (the `semverCompare` helper,
 * Chart.yaml's kubeVersion, `repo index` ordering, `package --version`).
 *
 * Precedence is SemVer 2's (npm `semver`): numeric prerelease identifiers compare as numbers
 * (`rc.9` < `rc.10`), numbers before words, a release after its prereleases, build metadata
 * ignored. Parsing and constraints follow Masterminds where it differs from npm:
 * - `NewVersion` takes a `v` prefix and partial versions (`1.2` is 1.2.0) and leading zeros in
 *   the numeric parts (`01.2.3` is 1.2.3);
 * - a constraint is OR groups (`||`) of AND constraints (comma or space separated), with
 *   `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `~>`, `^`, `x`/`*` wildcards and `a - b` ranges;
 * - a prerelease version satisfies a group only when some constraint of that group carries a
 *   prerelease, and then the whole group admits prereleases (`>=1.21.0-0 <2.0.0` admits
 *   `1.30.1-gke.1`), unlike npm, which admits them only on the same major.minor.patch.
 * npm's own ranges therefore do not serve: they refuse the chart's `>=1.29.0-0` for a GKE
 * `1.30.1-gke.1` (with includePrerelease they admit prereleases Masterminds refuses, `<1.0.0` for
 * `1.0.0-rc.1`), and have no `!=`, comma AND or leading zeros (test/package/semver.test.ts).
 */
import SemVer from 'semver/classes/semver.js';
import { SemverError } from '../errors.js';

/** Masterminds' limits (MaxVersionLen, MaxConstraintLen, MaxConstraintGroups). */
const MAX_VERSION_LEN = 256;
const MAX_CONSTRAINT_LEN = 512;
const MAX_CONSTRAINT_GROUPS = 32;

/** Masterminds' looseSemVerRegex: the form `NewVersion` accepts (it coerces leading zeros). */
const LOOSE_VERSION = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

/** A version as Masterminds' `NewVersion` reads it, or a SemverError. */
export function parseVersion(text: string): SemVer {
  if (text.length > MAX_VERSION_LEN) throw new SemverError(`version string is too long (max ${MAX_VERSION_LEN} bytes)`);
  const m = LOOSE_VERSION.exec(text);
  if (!m) throw new SemverError('invalid semantic version');
  const num = (s: string | undefined): string => (s === undefined ? '0' : BigInt(s.replace(/^\./, '')).toString());
  const canonical = `${num(m[1])}.${num(m[2])}.${num(m[3])}${m[4] ?? ''}${m[7] ?? ''}`;
  try {
    return new SemVer(canonical);
  } catch (e) {
    throw new SemverError(`invalid semantic version: ${(e as Error).message}`);
  }
}

/** Whether `text` is a version Helm accepts (Chart.yaml `version`, `--version`). */
export function isVersion(text: string): boolean {
  try {
    parseVersion(text);
    return true;
  } catch {
    return false;
  }
}

/** SemVer 2 precedence: -1, 0 or 1; build metadata ignored. */
export function compareVersions(a: SemVer, b: SemVer): -1 | 0 | 1 {
  return a.compare(b);
}

/** Newest first, as `helm repo index` orders a chart's entries; unparsable versions last. */
export function compareVersionsDesc(a: string, b: string): number {
  const parse = (v: string): SemVer | undefined => {
    try {
      return parseVersion(v);
    } catch {
      return undefined;
    }
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return (x ? 0 : 1) - (y ? 0 : 1);
  return compareVersions(y, x);
}

// Masterminds' constraint grammar, its regular expressions verbatim (Go's leftmost-first
// alternation picks what JavaScript's does).
const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;
const CONSTRAINT = new RegExp(String.raw`^\s*(${OPS})\s*(${CV})\s*$`);
const RANGE = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');
const FIND = new RegExp(String.raw`(${OPS})\s*(${CV})`, 'g');
const VALID = new RegExp(String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`);

type Op = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Constraint {
  op: Op;
  con: SemVer;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (s: string): boolean => s === 'x' || s === 'X' || s === '*';

function parseConstraint(text: string): Constraint {
  if (text === '') return { op: '', con: parseVersion('0.0.0'), dirty: true, minorDirty: false, patchDirty: false };
  const m = CONSTRAINT.exec(text);
  if (!m) throw new SemverError(`improper constraint: ${JSON.stringify(text)}`);
  const [major, minor, patch, pre] = [m[3] ?? '', m[4] ?? '', m[5] ?? '', m[6] ?? ''];
  let ver = m[2] ?? '';
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(major) || major === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minor.replace(/^\./, '')) || minor === '') {
    minorDirty = dirty = true;
    ver = `${major}.0.0${pre}`;
  } else if (isX(patch.replace(/^\./, '')) || patch === '') {
    patchDirty = dirty = true;
    ver = `${major}${minor}.0${pre}`;
  }
  let con: SemVer;
  try {
    con = parseVersion(ver);
  } catch {
    throw new SemverError(`improper constraint: ${JSON.stringify(text)}`);
  }
  return { op: m[1] as Op, con, dirty, minorDirty, patchDirty };
}

/** Masterminds' rewriteRange: `a - b` becomes `>= a, <= b`. */
function rewriteRange(text: string): string {
  let out = text;
  for (const m of text.matchAll(RANGE)) {
    const replacement = `>= ${m[1] ?? ''}, <= ${m[11] ?? ''} `;
    out = out.replace(m[0], () => replacement);
  }
  return out;
}

function tilde(v: SemVer, c: Constraint): boolean {
  if (v.compare(c.con) < 0) return false;
  if (c.con.major === 0 && c.con.minor === 0 && c.con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  return v.minor === c.con.minor || c.minorDirty;
}

function check(v: SemVer, c: Constraint): boolean {
  const { con } = c;
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : v.compare(con) === 0;
    case '~':
    case '~>':
      return tilde(v, c);
    case '!=':
      if (c.dirty) {
        if (con.major !== v.major) return true;
        if (con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) return v.prerelease.length + con.prerelease.length > 0 && v.comparePre(con) !== 0;
      }
      return v.compare(con) !== 0;
    case '>':
      if (!c.dirty) return v.compare(con) > 0;
      if (v.major !== con.major) return v.major > con.major;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > con.minor;
      return v.compare(con) > 0;
    case '<':
      return v.compare(con) < 0;
    case '>=':
    case '=>':
      return v.compare(con) >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return v.compare(con) <= 0;
      if (v.major > con.major) return false;
      return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
    case '^':
      if (v.compare(con) < 0) return false;
      if (con.major > 0 || c.minorDirty) return v.major === con.major;
      if (v.major > 0) return false;
      if (con.minor > 0 || c.patchDirty) return v.minor === con.minor;
      if (v.minor > 0) return false;
      return v.patch === con.patch;
  }
}

export interface Constraints {
  /** OR groups of AND constraints, each group with whether it admits prereleases. */
  groups: { all: Constraint[]; prerelease: boolean }[];
}

/** Masterminds' NewConstraint, or a SemverError. */
export function parseConstraints(text: string): Constraints {
  if (text.length > MAX_CONSTRAINT_LEN) throw new SemverError(`constraint string is too long (max ${MAX_CONSTRAINT_LEN} bytes)`);
  const ors = rewriteRange(text).split('||');
  if (ors.length > MAX_CONSTRAINT_GROUPS) throw new SemverError(`too many constraint groups (max ${MAX_CONSTRAINT_GROUPS})`);
  return {
    groups: ors.map((group) => {
      if (!VALID.test(group)) throw new SemverError(`improper constraint: ${JSON.stringify(group)}`);
      const found = [...group.matchAll(FIND)].map((m) => m[0]);
      const all = (found.length > 0 ? found : [group]).map(parseConstraint);
      return { all, prerelease: all.some((c) => c.con.prerelease.length > 0) };
    }),
  };
}

/** Constraints.Check: some OR group whose every constraint the version meets. */
export function satisfies(version: SemVer, constraints: Constraints): boolean {
  return constraints.groups.some((g) => (version.prerelease.length === 0 || g.prerelease) && g.all.every((c) => check(version, c)));
}

/** sprig's `semverCompare constraint version` (a SemverError for an invalid one of either). */
export function semverCompare(constraint: string, version: string): boolean {
  const c = parseConstraints(constraint);
  return satisfies(parseVersion(version), c);
}
