/**
 * Go's path/filepath.Match (Unix): `*` any run of non-'/' characters, `?` one non-'/' character,
 * `[...]`/`[^...]` classes with ranges, `\` escapes. A malformed pattern matches nothing.
 */

type Chunk = { star: boolean; chunk: string[] };

function chunks(pattern: string[]): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  while (i < pattern.length) {
    let star = false;
    while (pattern[i] === '*') {
      star = true;
      i++;
    }
    const start = i;
    let inClass = false;
    for (; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '*' && !inClass) break;
    }
    out.push({ star, chunk: pattern.slice(start, Math.min(i, pattern.length)) });
  }
  return out;
}

/** One class member: a character, `\`-escaped or not (never a bare `-` or `]`). */
function classChar(c: string[], i: number): [string, number] | undefined {
  let ch = c[i];
  if (ch === undefined || ch === '-' || ch === ']') return undefined;
  if (ch === '\\') {
    ch = c[++i];
    if (ch === undefined) return undefined;
  }
  return i + 1 < c.length ? [ch, i + 1] : undefined; // the class must still be closed
}

/** Matches a chunk at the start of `s`: the rest of `s`, false, or 'bad' for a malformed chunk. */
function matchChunk(c: string[], s: string[]): string[] | false | 'bad' {
  let ok = true;
  let si = 0;
  for (let i = 0; i < c.length; ) {
    const ch = c[i]!;
    if (si >= s.length) ok = false;
    if (ch === '[') {
      const r = ok ? s[si++]! : '';
      i++;
      const negated = c[i] === '^';
      if (negated) i++;
      let hit = false;
      let first = true;
      for (;;) {
        if (c[i] === ']' && !first) {
          i++;
          break;
        }
        const lo = classChar(c, i);
        if (!lo) return 'bad';
        let hi = lo;
        if (c[lo[1]] === '-') {
          const h = classChar(c, lo[1] + 1);
          if (!h) return 'bad';
          hi = h;
        }
        if (ok && r.codePointAt(0)! >= lo[0].codePointAt(0)! && r.codePointAt(0)! <= hi[0].codePointAt(0)!) hit = true;
        i = hi[1];
        first = false;
      }
      if (hit === negated) ok = false;
    } else if (ch === '?') {
      if (ok && s[si++] === '/') ok = false;
      i++;
    } else {
      let lit = ch;
      if (ch === '\\') {
        lit = c[++i]!;
        if (lit === undefined) return 'bad';
      }
      if (ok && s[si++] !== lit) ok = false;
      i++;
    }
  }
  return ok ? s.slice(si) : false;
}

/** filepath.Match(pattern, name), an error counting as no match (as Helm's --show-only does). */
export function goPathMatch(pattern: string, name: string): boolean {
  const parts = chunks([...pattern]);
  let s = [...name];
  for (let k = 0; k < parts.length; k++) {
    const { star, chunk } = parts[k]!;
    const last = k === parts.length - 1;
    if (star && chunk.length === 0) return !s.includes('/'); // a trailing star
    let r = matchChunk(chunk, s);
    if (r === 'bad') return false;
    if (r && (r.length === 0 || !last)) {
      s = r;
      continue;
    }
    let found = false;
    if (star) {
      for (let i = 0; i < s.length && s[i] !== '/'; i++) {
        r = matchChunk(chunk, s.slice(i + 1));
        if (r === 'bad') return false;
        if (r && !(last && r.length > 0)) {
          s = r;
          found = true;
          break;
        }
      }
    }
    if (!found) return false;
  }
  return s.length === 0;
}

/** filepath.Base on Linux: the last element, trailing slashes dropped ("." for "", "/" for slashes only). */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
