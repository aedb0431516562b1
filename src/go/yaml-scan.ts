/**
 * go-yaml v2's scanner (scannerc.go, as sigs.k8s.io/yaml and so Helm 3 run it), walked over the
 * first document of a text only for what the `yaml` package reads differently: where go-yaml
 * refuses a tab, an implicit key longer than 1024 characters or spanning lines, and where a
 * directive line ends the first document. No values are made here; the reader in
 * src/values/load.ts makes them. Where this walk meets what it does not follow (an error of
 * another kind, a construct it does not model), it stops and leaves the text to that reader.
 *
 * The text is go-yaml's after its reader: CR LF, CR and NEL already read as '\n'; LS and PS are
 * line breaks here as in go-yaml (which keeps them in a scalar's value where it keeps a break), and
 * the values of scalars holding them are made here, go-yaml's way.
 */

/** A position as go-yaml counts it: `index` and `column` in characters (code points), `pos` in UTF-16 units. */
interface Mark {
  pos: number;
  index: number;
  line: number;
  column: number;
}

interface SimpleKey {
  possible: boolean;
  required: boolean;
  mark: Mark;
}

/** What the walk found in the first document. */
export interface GoScan {
  /** go-yaml's error there: its offset and its words. */
  error?: { offset: number; message: string };
  /** The offset of a directive line that ends the first document (go-yaml reads no further). */
  directiveAt?: number;
  /** Offsets of the `|` or `>` of block scalars whose last line runs into the end of the text without a line break. */
  unterminatedBlocks: number[];
  /**
   * go-yaml's values of the scalars whose text holds LS or PS, or a colon of `colons`, by their
   * first offset.
   */
  values: Map<number, string>;
  /**
   * Offsets of colons go-yaml keeps inside a plain scalar in flow where the `yaml` package ends it
   * there: before `,`, `[`, `]`, `{` or `}` (`[a:]` is the text "a:" to go-yaml, a map to the other).
   */
  colons: number[];
  /**
   * Offsets of each `?` in flow that runs into its key (`[?x]`): a key indicator to go-yaml, the
   * start of a plain scalar to the `yaml` package, which is given a space there.
   */
  flowKeys: number[];
  /**
   * Where the key of each of those in a flow sequence starts: go-yaml reads the entry as a map of
   * the key to null (`[?x]` is `[{x: null}]`) unless a `:` gives it a value.
   */
  seqKeys: number[];
  /** Whether the walk followed the whole first document (it stops at what it does not model). */
  complete: boolean;
}

/** go-yaml's one-character escapes in double quotes. */
const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', "'": "'", '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};

/** The walk stops here: the rest is the `yaml` package's to read (and refuse, if it is wrong). */
/** How a flow scalar joins its lines (libyaml): one line break becomes a space, more keep all but the first; LS and PS stay. */
function folded(leadingBreak: string, trailingBreaks: string): string {
  return leadingBreak === '\n' ? (trailingBreaks === '' ? ' ' : trailingBreaks) : leadingBreak + trailingBreaks;
}

class Stop {}

/** `,`, `[`, `]`, `{` and `}`. */
const FLOW_INDICATORS = new Set([0x2c, 0x5b, 0x5d, 0x7b, 0x7d]);

/** Flow levels the walk follows before it steps aside. */
const MAX_FLOW_DEPTH = 1000;

/** Characters of an anchor or alias name (go-yaml's is_alpha). */
const isAlpha = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
/** Characters of a tag (go-yaml's is_alpha, then ";/?:@&=+$,.!~*'()[]%"). */
const TAG_CHARS = new Set(Array.from(";/?:@&=+$,.!~*'()[]%", (c) => c.charCodeAt(0)));

/**
 * go-yaml's words for a directive line its scanner refuses (yaml_parser_scan_directive), from the
 * `%` at `at`; undefined for a directive it scans (its version or handles are the parser's, which
 * reads them only at a stream's start).
 */
export function directiveError(text: string, at: number): string | undefined {
  let p = at + 1;
  const c = (): number => (p < text.length ? text.charCodeAt(p) : -1);
  const blank = (): boolean => c() === 0x20 || c() === 0x09;
  const breakZ = (): boolean => c() === 0x0a || c() === 0x2028 || c() === 0x2029 || c() === -1;
  const blankZ = (): boolean => blank() || breakZ();
  const from = p;
  while (isAlpha(c())) p++;
  if (p === from) return 'could not find expected directive name';
  if (!blankZ()) return 'found unexpected non-alphabetical character';
  const name = text.slice(from, p);
  if (name === 'YAML') {
    const number = (): string | undefined => {
      const start = p;
      while (c() >= 0x30 && c() <= 0x39) {
        p++;
        if (p - start > 2) return 'found extremely long version number';
      }
      return p === start ? 'did not find expected version number' : undefined;
    };
    while (blank()) p++;
    const major = number();
    if (major !== undefined) return major;
    if (c() !== 0x2e /* . */) return "did not find expected digit or '.' character";
    p++;
    const minor = number();
    if (minor !== undefined) return minor;
  } else if (name === 'TAG') {
    while (blank()) p++;
    if (c() !== 0x21 /* ! */) return "did not find expected '!'";
    const handle = p++;
    while (isAlpha(c())) p++;
    // The handle `!`, or `!name!`.
    if (c() === 0x21) p++;
    else if (p - handle !== 1) return "did not find expected '!'";
    if (!blank()) return 'did not find expected whitespace';
    while (blank()) p++;
    const uri = p;
    while (isAlpha(c()) || TAG_CHARS.has(c())) {
      if (c() === 0x25 /* % */ && !/^%[0-9A-Fa-f]{2}/.test(text.slice(p, p + 3))) return 'did not find URI escaped octet';
      p++;
    }
    if (p === uri) return 'did not find expected tag URI';
    if (!blankZ()) return 'did not find expected whitespace or line break';
  } else {
    return 'found unknown directive name';
  }
  while (blank()) p++;
  if (c() === 0x23 /* # */) while (!breakZ()) p++;
  if (!breakZ()) return 'did not find expected comment or line break';
  return undefined;
}

export function goScan(text: string): GoScan {
  return new Scanner(text).run();
}

class Scanner {
  private pos = 0;
  private index = 0;
  private line = 0;
  private column = 0;
  private flow = 0;
  private allowed = true;
  private indent = -1;
  private readonly indents: number[] = [];
  private readonly keys: SimpleKey[] = [{ possible: false, required: false, mark: this.mark() }];
  /** Per flow level: whether the entry began with `?`, and whether the level is a mapping. */
  private readonly explicit: boolean[] = [false];
  /** The line a quoted scalar, an alias or a flow collection last ended on (-1 after other nodes). */
  private nodeLine = -1;
  /** Whether the innermost block collection is a sequence, and the same for each of `indents`. */
  private inSeq = false;
  private readonly seqs: boolean[] = [];
  /** Whether the last token was a `:`. */
  private afterValue = false;
  /** Whether a `?` of `seqKeys` waits for its key's node. */
  private seqKeyPending = false;
  /** The anchors defined so far: go-yaml's parser fails at an alias of none, before anything after it. */
  private readonly anchors = new Set<string>();
  private readonly flowMap: boolean[] = [false];
  /** Whether the last token was a node (a scalar, an alias, a flow collection's end). */
  private afterNode = false;
  private started = false;
  /**
   * Whether a node just ended at the top (no block collection open, outside flow): the document's
   * whole content, unless a `:` makes it a key. go-yaml's parser then looks at one more token only.
   */
  private rootDone = false;
  private readonly result: GoScan = { unterminatedBlocks: [], values: new Map(), colons: [], flowKeys: [], seqKeys: [], complete: false };
  /** Whether the text holds LS or PS (only then are scalars' values made). */
  private readonly lsps: boolean;

  constructor(private readonly text: string) {
    this.lsps = /[\u2028\u2029]/.test(text);
  }

  run(): GoScan {
    try {
      this.tokens();
      this.result.complete = true;
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    return this.result;
  }

  private mark(): Mark {
    return { pos: this.pos, index: this.index, line: this.line, column: this.column };
  }

  private ch(at = this.pos): number {
    return at < this.text.length ? this.text.charCodeAt(at) : -1;
  }

  /** go-yaml's is_break: '\n' (CR and NEL are '\n' already), LS and PS. */
  private isBreak(at = this.pos): boolean {
    const c = this.ch(at);
    return c === 0x0a || c === 0x2028 || c === 0x2029;
  }

  private isBlank(at = this.pos): boolean {
    const c = this.ch(at);
    return c === 0x20 || c === 0x09;
  }

  private isZ(at = this.pos): boolean {
    return at >= this.text.length;
  }

  private isBlankZ(at = this.pos): boolean {
    return this.isBlank(at) || this.isBreak(at) || this.isZ(at);
  }

  private isBreakZ(at = this.pos): boolean {
    return this.isBreak(at) || this.isZ(at);
  }

  private skip(): void {
    const c = this.ch();
    this.pos += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    this.index++;
    this.column++;
  }

  private skipLine(): void {
    this.pos++;
    this.index++;
    this.line++;
    this.column = 0;
  }

  private fail(at: number, message: string): never {
    this.result.error = { offset: at, message };
    throw new Stop();
  }

  private stop(): never {
    throw new Stop();
  }

  private tokens(): void {
    for (;;) {
      this.staleKeys();
      this.toNextToken();
      this.unroll(this.column);
      if (this.isZ()) {
        this.unroll(-1);
        this.removeKey();
        return;
      }
      const c = this.ch();
      if (this.column === 0 && c === 0x25 /* % */) {
        // A directive after the document began ends it; one before it is checked by the reader.
        if (this.started) {
          this.result.directiveAt = this.pos;
          // Its token is still scanned (go-yaml's parser looks at it to end the document).
          const refused = directiveError(this.text, this.pos);
          if (refused !== undefined) this.fail(this.pos, refused);
          return;
        }
        this.unroll(-1);
        this.removeKey();
        this.allowed = false;
        while (!this.isBreakZ()) this.skip();
        continue;
      }
      if (this.column === 0 && this.isDocumentIndicator()) {
        if (c === 0x2e /* . */ || this.started) return; // the first document ends here
        this.started = true;
        this.unroll(-1);
        this.removeKey();
        this.allowed = false;
        this.skip();
        this.skip();
        this.skip();
        continue;
      }
      this.started = true;
      if (this.rootDone) {
        // The token after the document's content is scanned (a tab there is refused) and ends it,
        // unless it is the `:` of a key.
        if (c === 0x09) this.fail(this.pos, 'found character that cannot start any token');
        if (!(c === 0x3a && (this.flow > 0 || this.isBlankZ(this.pos + 1)))) return;
        const key = this.keyValid(this.keys[this.keys.length - 1]!);
        this.token(c); // a `:` without its key may be refused here
        if (!key) return;
        this.rootDone = false;
        continue;
      }
      this.token(c);
      this.rootDone = this.afterNode && this.flow === 0 && this.indent === -1;
    }
  }

  private isDocumentIndicator(): boolean {
    const t = this.text;
    const p = this.pos;
    return ((t.startsWith('---', p) || t.startsWith('...', p)) && this.isBlankZ(p + 3));
  }

  private token(c: number): void {
    const afterValue = this.afterValue;
    this.afterValue = false;
    switch (c) {
      case 0x5b /* [ */:
      case 0x7b /* { */:
        // Deeper than any values file is let nest (MAX_VALUES_DEPTH): the reader refuses it anyway, and
        // the walk, which checks every open level's key at each token, would take quadratic time.
        if (this.flow >= MAX_FLOW_DEPTH) this.stop();
        this.nodeStart(true);
        this.saveKey();
        this.flow++;
        this.keys.push({ possible: false, required: false, mark: this.mark() });
        this.explicit.push(false);
        this.flowMap.push(c === 0x7b);
        this.allowed = true;
        this.afterNode = false;
        this.skip();
        return;
      case 0x5d /* ] */:
      case 0x7d /* } */:
        this.seqKeyPending = false;
        this.removeKey();
        if (this.flow > 0) {
          this.flow--;
          this.keys.pop();
          this.explicit.pop();
          this.flowMap.pop();
        }
        this.allowed = false;
        this.afterNode = true;
        this.skip();
        this.nodeLine = this.line;
        return;
      case 0x2c /* , */:
        this.seqKeyPending = false;
        this.removeKey();
        this.allowed = true;
        this.explicit[this.flow] = false;
        this.afterNode = false;
        this.skip();
        return;
    }
    const next = this.pos + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
    if (c === 0x2d /* - */ && this.isBlankZ(next)) return this.blockEntry();
    if (c === 0x3f /* ? */ && (this.flow > 0 || this.isBlankZ(next))) return this.explicitKey(afterValue);
    if (c === 0x3a /* : */ && (this.flow > 0 || this.isBlankZ(next))) return this.value();
    if (c === 0x2a /* * */ || c === 0x26 /* & */) {
      this.nodeStart(c === 0x2a);
      this.saveKey();
      this.allowed = false;
      this.skip();
      const from = this.pos;
      while (isAlpha(this.ch())) this.skip();
      const e = this.ch();
      const ends = this.isBlankZ() || e === 0x3f || e === 0x3a || e === 0x2c || e === 0x5d || e === 0x7d || e === 0x25 || e === 0x40 || e === 0x60;
      if (this.pos === from || !ends) this.stop();
      const name = this.text.slice(from, this.pos);
      if (c === 0x26) this.anchors.add(name);
      else if (!this.anchors.has(name)) this.stop(); // the reader names the unknown anchor
      if (c === 0x2a) {
        this.afterNode = true;
        this.nodeLine = this.line;
      }
      return;
    }
    if (c === 0x21 /* ! */) {
      this.nodeStart(false);
      this.saveKey();
      this.allowed = false;
      this.tag();
      return;
    }
    if ((c === 0x7c /* | */ || c === 0x3e /* > */) && this.flow === 0) {
      this.removeKey();
      this.allowed = true;
      this.blockScalar();
      this.afterNode = true;
      this.nodeLine = -1;
      return;
    }
    if (c === 0x27 /* ' */ || c === 0x22 /* " */) {
      this.nodeStart(true);
      this.saveKey();
      this.allowed = false;
      this.quoted(c);
      this.afterNode = true;
      this.nodeLine = this.line;
      return;
    }
    const n = this.ch(next);
    const indicator = this.isBlankZ() || '-?:,[]{}#&*!|>\'"%@`'.includes(String.fromCharCode(c));
    if (!indicator || (c === 0x2d && !this.isBlank(next)) || (this.flow === 0 && (c === 0x3f || c === 0x3a) && !this.isBlankZ(next))) {
      void n;
      this.nodeStart(true);
      this.saveKey();
      this.allowed = false;
      this.plain();
      this.afterNode = true;
      this.nodeLine = -1; // it takes in whatever follows on its line
      return;
    }
    // A tab where a token must start; anything else is left to the reader.
    if (c === 0x09) this.fail(this.pos, 'found character that cannot start any token');
    this.stop();
  }

  /** Spaces, comments and line breaks up to the next token; tabs only where go-yaml skips them. */
  private toNextToken(): void {
    for (;;) {
      while (this.ch() === 0x20 || ((this.flow > 0 || !this.allowed) && this.ch() === 0x09)) this.skip();
      if (this.ch() === 0x23 /* # */) while (!this.isBreakZ()) this.skip();
      if (!this.isBreak()) return;
      this.skipLine();
      if (this.flow === 0) this.allowed = true;
    }
  }

  /** Whether a possible simple key still is one here: on its line and at most 1024 characters back. */
  private keyValid(k: SimpleKey): boolean {
    if (!k.possible) return false;
    if (k.mark.line < this.line || k.mark.index + 1024 < this.index) {
      if (k.required) this.fail(this.pos, "could not find expected ':'");
      k.possible = false;
      return false;
    }
    return true;
  }

  private staleKeys(): void {
    for (const k of this.keys) this.keyValid(k);
  }

  private saveKey(): void {
    if (!this.allowed) return;
    const required = this.flow === 0 && this.indent === this.column;
    this.removeKey();
    this.keys[this.keys.length - 1] = { possible: true, required, mark: this.mark() };
  }

  private removeKey(): void {
    const k = this.keys[this.keys.length - 1]!;
    if (k.possible && k.required) this.fail(this.pos, "could not find expected ':'");
    k.possible = false;
  }

  private roll(column: number, seq: boolean): void {
    if (this.flow > 0) return;
    if (this.indent < column) {
      this.indents.push(this.indent);
      this.seqs.push(this.inSeq);
      this.indent = column;
      this.inSeq = seq;
    }
  }

  private unroll(column: number): void {
    if (this.flow > 0) return;
    while (this.indent > column) {
      this.indent = this.indents.pop()!;
      this.inSeq = this.seqs.pop()!;
    }
  }

  /**
   * A node (or a `?`) right after a node, where go-yaml's parser wants something else and the
   * `yaml` package may read on: in flow without `,` between (`[http://x/?q=1]` is a node, then a
   * key); in a block collection on the line a quoted scalar, an alias or a flow collection ended
   * on (`? "a"x`, `k: "v"x`), where no key can start (the document's one node is `rootDone`'s).
   */
  private nodeStart(content: boolean): void {
    if (this.afterNode) {
      if (this.flow > 0) this.fail(this.pos, this.flowMap[this.flow] ? "did not find expected ',' or '}'" : "did not find expected ',' or ']'");
      if (this.line === this.nodeLine) this.fail(this.pos, this.inSeq ? "did not find expected '-' indicator" : 'did not find expected key');
    }
    if (content && this.seqKeyPending) {
      this.result.seqKeys.push(this.pos);
      this.seqKeyPending = false;
    }
  }

  private blockEntry(): void {
    if (this.flow > 0) this.stop();
    if (!this.allowed) this.fail(this.pos, 'block sequence entries are not allowed in this context');
    this.roll(this.column, true);
    this.removeKey();
    this.allowed = true;
    this.afterNode = false;
    this.skip();
  }

  private explicitKey(afterValue: boolean): void {
    if (this.flow === 0) {
      if (!this.allowed) this.fail(this.pos, 'mapping keys are not allowed in this context');
      this.roll(this.column, false);
    } else {
      this.nodeStart(false);
      // A value's node cannot be a key.
      if (afterValue) this.fail(this.pos, 'did not find expected node content');
      const n = this.ch(this.pos + 1);
      // A key of nothing, which Helm's conversion to JSON refuses (go-yaml reads `:x` as its value).
      if (n === 0x3a) this.fail(this.pos, 'a map key cannot be null');
      // Before a flow indicator the `yaml` package reads a key indicator too (or fails).
      if (!this.isBlankZ(this.pos + 1) && !FLOW_INDICATORS.has(n)) {
        this.result.flowKeys.push(this.pos);
        this.seqKeyPending = !this.flowMap[this.flow];
      }
    }
    this.removeKey();
    this.allowed = this.flow === 0;
    this.explicit[this.flow] = true;
    this.afterNode = false;
    this.skip();
  }

  private value(): void {
    const k = this.keys[this.keys.length - 1]!;
    if (this.keyValid(k)) {
      this.roll(k.mark.column, false);
      k.possible = false;
      this.allowed = false;
    } else {
      if (this.flow === 0) {
        if (!this.allowed) this.fail(this.pos, 'mapping values are not allowed in this context');
        this.roll(this.column, false);
      } else if (!this.explicit[this.flow] && this.afterNode) {
        // The parser's: a node, then a value without a key.
        this.fail(this.pos, this.flowMap[this.flow] ? "did not find expected ',' or '}'" : "did not find expected ',' or ']'");
      }
      this.allowed = this.flow === 0;
    }
    this.explicit[this.flow] = false;
    this.afterNode = false;
    this.afterValue = true;
    this.seqKeyPending = false;
    this.skip();
  }

  private tag(): void {
    this.skip();
    if (this.ch() === 0x3c /* < */) {
      while (!this.isBlankZ() && this.ch() !== 0x3e /* > */) this.skip();
      if (this.ch() !== 0x3e) this.stop();
      this.skip();
    } else {
      while (isAlpha(this.ch()) || TAG_CHARS.has(this.ch())) this.skip();
    }
    if (!this.isBlankZ() && !(this.flow > 0 && this.ch() === 0x2c)) this.stop();
  }

  /** The character at the position and the position after it (a surrogate pair is one character). */
  private char(): string {
    const c = this.ch();
    return this.text.slice(this.pos, this.pos + (c >= 0xd800 && c <= 0xdbff ? 2 : 1));
  }

  /** go-yaml's read_line: the line break here as its value keeps it ('\n', or LS or PS as they are), consumed; '' at the end. */
  private readLine(): string {
    if (!this.isBreak()) return '';
    const b = this.text[this.pos]!;
    this.skipLine();
    return b;
  }

  /**
   * Keeps a scalar's value as go-yaml makes it, where its text holds LS or PS (the `yaml` package
   * reads those as text) or, from `colonsFrom` on, a colon of `colons`.
   */
  private keep(start: number, value: string, colonsFrom = this.result.colons.length): void {
    if (colonsFrom < this.result.colons.length) return void this.result.values.set(start, value);
    if (!this.lsps) return;
    const src = this.text.slice(start, this.pos);
    if (src.includes('\u2028') || src.includes('\u2029')) this.result.values.set(start, value);
  }

  /** yaml_parser_scan_flow_scalar: a quoted scalar's extent and value. */
  private quoted(quote: number): void {
    const start = this.pos;
    const single = quote === 0x27;
    this.skip();
    let s = '';
    let leadingBreak = '';
    let trailingBreaks = '';
    let whitespaces = '';
    for (;;) {
      if (this.column === 0 && this.isDocumentIndicator()) this.stop();
      if (this.isZ()) this.stop();
      let leadingBlanks = false;
      while (!this.isBlankZ()) {
        const c = this.ch();
        if (single && c === 0x27 && this.ch(this.pos + 1) === 0x27) {
          s += "'";
          this.skip();
          this.skip();
        } else if ((single && c === 0x27) || (!single && c === 0x22)) {
          break;
        } else if (!single && c === 0x5c && this.isBreak(this.pos + 1)) {
          this.skip();
          this.skipLine();
          leadingBlanks = true;
          break;
        } else if (!single && c === 0x5c) {
          const e = this.text[this.pos + 1] ?? '';
          const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
          if (width === 0) {
            if (!Object.hasOwn(ESCAPES, e)) this.stop(); // the reader refuses it
            s += ESCAPES[e];
            this.skip();
            this.skip();
          } else {
            const hex = this.text.slice(this.pos + 2, this.pos + 2 + width);
            if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length < width) this.stop();
            const code = parseInt(hex, 16);
            if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) this.stop();
            s += String.fromCodePoint(code);
            for (let k = 0; k < width + 2; k++) this.skip();
          }
        } else {
          s += this.char();
          this.skip();
        }
      }
      if (this.ch() === quote) break;
      while (this.isBlank() || this.isBreak()) {
        if (this.isBlank()) {
          if (!leadingBlanks) whitespaces += this.char();
          this.skip();
        } else if (!leadingBlanks) {
          whitespaces = '';
          leadingBreak = this.readLine();
          leadingBlanks = true;
        } else {
          trailingBreaks += this.readLine();
        }
      }
      if (leadingBlanks) {
        s += folded(leadingBreak, trailingBreaks);
        leadingBreak = '';
        trailingBreaks = '';
      } else {
        s += whitespaces;
        whitespaces = '';
      }
    }
    this.skip();
    this.keep(start, s);
  }

  /** yaml_parser_scan_plain_scalar: a plain scalar's extent and value. */
  private plain(): void {
    const start = this.pos;
    const colons = this.result.colons.length;
    const indent = this.indent + 1;
    let s = '';
    let leadingBreak = '';
    let trailingBreaks = '';
    let whitespaces = '';
    let leadingBlanks = false;
    for (;;) {
      if (this.column === 0 && this.isDocumentIndicator()) break;
      if (this.ch() === 0x23 /* # */) break;
      while (!this.isBlankZ()) {
        const c = this.ch();
        if ((c === 0x3a && this.isBlankZ(this.pos + 1)) || (this.flow > 0 && (c === 0x2c || c === 0x3f || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d))) break;
        if (c === 0x3a && this.flow > 0 && FLOW_INDICATORS.has(this.ch(this.pos + 1))) this.result.colons.push(this.pos);
        if (leadingBlanks) {
          s += folded(leadingBreak, trailingBreaks);
          leadingBreak = '';
          trailingBreaks = '';
          leadingBlanks = false;
        } else if (whitespaces !== '') {
          s += whitespaces;
          whitespaces = '';
        }
        s += this.char();
        this.skip();
      }
      if (!(this.isBlank() || this.isBreak())) break;
      while (this.isBlank() || this.isBreak()) {
        if (this.isBlank()) {
          if (leadingBlanks && this.column < indent && this.ch() === 0x09) this.fail(this.pos, 'found a tab character that violates indentation');
          if (!leadingBlanks) whitespaces += this.char();
          this.skip();
        } else if (!leadingBlanks) {
          whitespaces = '';
          leadingBreak = this.readLine();
          leadingBlanks = true;
        } else {
          trailingBreaks += this.readLine();
        }
      }
      if (this.flow === 0 && this.column < indent) break;
    }
    if (leadingBlanks) this.allowed = true;
    this.keep(start, s, colons);
  }

  /** yaml_parser_scan_block_scalar: a literal or folded scalar's extent and value. */
  private blockScalar(): void {
    const start = this.pos;
    const literal = this.ch() === 0x7c;
    this.skip();
    let increment = 0;
    let chomping = 0;
    const digit = (): void => {
      const c = this.ch();
      if (c >= 0x31 && c <= 0x39) {
        increment = c - 0x30;
        this.skip();
      } else if (c === 0x30) {
        this.stop();
      }
    };
    const chomp = (): boolean => {
      const c = this.ch();
      if (c !== 0x2b && c !== 0x2d) return false;
      chomping = c === 0x2b ? 1 : -1;
      this.skip();
      return true;
    };
    if (chomp()) digit();
    else if (this.ch() >= 0x30 && this.ch() <= 0x39) {
      digit();
      chomp();
    }
    while (this.isBlank()) this.skip();
    if (this.ch() === 0x23) while (!this.isBreakZ()) this.skip();
    if (!this.isBreakZ()) this.stop();
    if (this.isBreak()) this.skipLine();
    let indent = increment > 0 ? (this.indent >= 0 ? this.indent + increment : increment) : 0;
    const breaks = { text: '' };
    indent = this.blockBreaks(indent, breaks);
    let s = '';
    let leadingBreak = '';
    let leadingBlank = false;
    let content = false;
    let unterminated = false;
    while (this.column === indent && !this.isZ()) {
      content = true;
      const trailingBlank = this.isBlank();
      if (!literal && !leadingBlank && !trailingBlank && leadingBreak === '\n') {
        if (breaks.text === '') s += ' ';
      } else {
        s += leadingBreak;
      }
      leadingBreak = '';
      s += breaks.text;
      breaks.text = '';
      leadingBlank = this.isBlank();
      while (!this.isBreakZ()) {
        s += this.char();
        this.skip();
      }
      unterminated = this.isZ();
      leadingBreak = this.readLine();
      indent = this.blockBreaks(indent, breaks);
    }
    if (chomping !== -1) s += leadingBreak;
    if (chomping === 1) s += breaks.text;
    if (content && unterminated) this.result.unterminatedBlocks.push(start);
    this.keep(start, s);
  }

  /** go-yaml's yaml_parser_scan_block_scalar_breaks: indentation and empty lines; the block's indentation. */
  private blockBreaks(indent: number, breaks: { text: string }): number {
    let maxIndent = 0;
    for (;;) {
      while ((indent === 0 || this.column < indent) && this.ch() === 0x20) this.skip();
      if (this.column > maxIndent) maxIndent = this.column;
      if ((indent === 0 || this.column < indent) && this.ch() === 0x09) this.fail(this.pos, 'found a tab character where an indentation space is expected');
      if (!this.isBreak()) break;
      breaks.text += this.readLine();
    }
    if (indent === 0) {
      indent = Math.max(maxIndent, this.indent + 1, 1);
    }
    return indent;
  }
}
