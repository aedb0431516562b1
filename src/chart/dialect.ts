/**
 * The template dialect: which Handlebars constructs a chart template may use. Both the render
 * engine and the Go compiler parse through here, so a template either works in both engines or
 * is rejected up front with file:line:col and a hint.
 */
import { lazyRequire } from '../lazy.js';
import { DialectError } from '../errors.js';
import { HELPER_NAMES } from '../render/helpers.js';

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type SubExpression = hbs.AST.SubExpression;
type MustacheStatement = hbs.AST.MustacheStatement;
type BlockStatement = hbs.AST.BlockStatement;

// Handlebars' parser is needed only to compile templates, never to render prebuilt ones.
const handlebars = lazyRequire<typeof import('handlebars')>('handlebars');

export const BLOCKS = new Set(['if', 'unless', 'with', 'each']);
const DATA_VARS = new Set(['root', 'index', 'key', 'first', 'last']);
const SCOPE_BLOCKS = new Set(['with', 'each']);
const DIALECT_DOC = 'docs/template-dialect.md';

function fail(file: string, node: Node, message: string, hint: string): never {
  const line = node.loc ? node.loc.start.line : 1;
  const col = node.loc ? node.loc.start.column + 1 : 1;
  throw new DialectError(`${file}:${line}:${col}: ${message} (hint: ${hint})`, { file, line, col });
}

/** A path whose single segment names a helper is a zero-argument call, as in Go (`dict`, `list`). */
export function isHelperPath(e: Expression): e is PathExpression {
  if (e.type !== 'PathExpression') return false;
  const p = e as PathExpression;
  return !p.data && p.depth === 0 && p.parts.length === 1 && p.original === p.parts[0] && HELPER_NAMES.has(p.parts[0]!);
}

/** An expression as both code generators see it: a literal, a helper call, or a path. */
export type ExpressionForm =
  | { form: 'literal'; value: string | bigint | number | boolean | null | undefined }
  | { form: 'call'; path: PathExpression; params: Expression[]; loc: hbs.AST.SourceLocation }
  | { form: 'path'; path: PathExpression };

/** Each expression's form, as the dialect pass resolved it (see DialectPass). */
const FORMS = new WeakMap<Expression, ExpressionForm>();

/** The form of an expression of a parsed template: resolved once by the dialect pass, read by both code generators. */
export function formOf(e: Expression): ExpressionForm {
  const f = FORMS.get(e);
  if (f === undefined) throw new Error(`unexpected ${e.type} (no template reaches a code generator without the dialect pass)`);
  return f;
}

/** Go's int range: an integer literal past it fails in Go ("overflows int"). */
const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

/**
 * A number literal as Go reads its text (Handlebars keeps only a float64): digits alone are an int,
 * exact at any size (a bigint here); with a fraction, a float64 (a number here).
 */
function numberLiteral(text: string): bigint | number {
  return /^-?[0-9]+$/.test(text) ? BigInt(text) : Number(text);
}

function resolveForm(e: Expression, text: (e: Expression) => string): ExpressionForm | undefined {
  switch (e.type) {
    case 'NumberLiteral': {
      // The text where the lexer says the literal stands; where its count of lines and columns is
      // off (a U+2028 after a newline in one token), not the literal: nothing to read then.
      const t = text(e);
      const value = (e as hbs.AST.NumberLiteral).value;
      return /^-?[0-9]+(?:\.[0-9]+)?$/.test(t) && Number(t) === value ? { form: 'literal', value: numberLiteral(t) } : undefined;
    }
    case 'StringLiteral':
    case 'BooleanLiteral':
      return { form: 'literal', value: (e as hbs.AST.StringLiteral | hbs.AST.BooleanLiteral).value };
    case 'NullLiteral':
      return { form: 'literal', value: null };
    case 'UndefinedLiteral':
      return { form: 'literal', value: undefined };
    case 'SubExpression': {
      const s = e as SubExpression;
      return { form: 'call', path: s.path as PathExpression, params: s.params, loc: s.loc };
    }
    case 'PathExpression':
      return isHelperPath(e) ? { form: 'call', path: e, params: [], loc: e.loc } : { form: 'path', path: e as PathExpression };
    default:
      return undefined;
  }
}

/** What this pass needs of Handlebars' Visitor: accept() dispatches a node to the method named after its type. */
interface Visitor {
  accept(node: Node): unknown;
}

/**
 * How many arguments each helper takes, as its Go, sprig or Helm function does: [min, max], no max
 * for a variadic one. Go refuses other counts when it parses or runs the call (`eq` with one
 * argument: "missing argument for comparison"); the JavaScript helpers would not. One entry per
 * name of HELPER_NAMES (test/render/engine.test.ts holds the two lists together).
 */
export const ARITY: ReadonlyMap<string, readonly [number, number?]> = new Map<string, readonly [number, number?]>([
  ['toYaml', [1, 1]], ['toJson', [1, 1]], ['indent', [2, 2]], ['nindent', [2, 2]], ['quote', [0]], ['squote', [0]],
  ['default', [1]], ['required', [2, 2]], ['fail', [1, 1]], ['b64enc', [1, 1]], ['sha256sum', [1, 1]],
  ['sha512sum', [1, 1]], ['trunc', [2, 2]], ['trimSuffix', [2, 2]], ['trimPrefix', [2, 2]], ['trim', [1, 1]],
  ['lower', [1, 1]], ['upper', [1, 1]], ['replace', [3, 3]], ['printf', [1]], ['dict', [0]], ['list', [0]],
  ['get', [2, 2]], ['hasKey', [2, 2]], ['index', [1]], ['eq', [2]], ['ne', [2, 2]], ['lt', [2, 2]], ['le', [2, 2]],
  ['gt', [2, 2]], ['ge', [2, 2]], ['and', [1]], ['or', [1]], ['not', [1, 1]], ['empty', [1, 1]], ['ternary', [3, 3]],
  ['join', [2, 2]], ['toString', [1, 1]], ['int', [1, 1]], ['add', [0]], ['sub', [2, 2]], ['len', [1, 1]],
  ['contains', [2, 2]], ['hasPrefix', [2, 2]], ['hasSuffix', [2, 2]], ['kindIs', [2, 2]], ['splitList', [2, 2]],
  ['sortAlpha', [1, 1]], ['keys', [0]], ['coalesce', [0]], ['urlquery', [0]], ['semverCompare', [2, 2]],
  ['randAlphaNum', [1, 1]], ['lookup', [4, 4]], ['include', [2, 2]]
]);

/** A Go parameter type a literal argument can be held to. */
type ParamType = 'int' | 'string' | 'bool';

/**
 * The typed parameters of the helpers, by position (unlisted positions take any value), as their
 * Go, sprig or Helm functions declare them. A literal of another type is refused here, as Go
 * refuses it when the call runs ("expected integer; found \"2\""); values are checked by the helpers.
 */
export const PARAM_TYPES: ReadonlyMap<string, readonly (ParamType | undefined)[]> = new Map<string, readonly (ParamType | undefined)[]>([
  ['indent', ['int', 'string']], ['nindent', ['int', 'string']], ['trunc', ['int', 'string']], ['randAlphaNum', ['int']],
  ['required', ['string']], ['fail', ['string']], ['b64enc', ['string']], ['sha256sum', ['string']], ['sha512sum', ['string']],
  ['trim', ['string']], ['lower', ['string']], ['upper', ['string']], ['trimSuffix', ['string', 'string']],
  ['trimPrefix', ['string', 'string']], ['replace', ['string', 'string', 'string']], ['printf', ['string']],
  ['get', [undefined, 'string']], ['hasKey', [undefined, 'string']], ['ternary', [undefined, undefined, 'bool']],
  ['join', ['string']], ['contains', ['string', 'string']], ['hasPrefix', ['string', 'string']], ['hasSuffix', ['string', 'string']],
  ['kindIs', ['string']], ['splitList', ['string', 'string']], ['semverCompare', ['string', 'string']],
  ['lookup', ['string', 'string', 'string', 'string']], ['include', ['string']],
]);

/** Go's refusal of a literal for a parameter of type `want`, or undefined when it takes it. */
function literalMismatch(e: Expression, want: ParamType, text: (e: Expression) => string): string | undefined {
  const found = (text: string): string => `expected ${want === 'int' ? 'integer' : want}; found ${text}`;
  switch (e.type) {
    case 'NumberLiteral': {
      // Read by its text (the form the pass resolved): digits alone are an int64 Go takes as it
      // is, 2^63 - 1 included, which a float64 cannot tell from 2^63. A float constant is taken
      // only if int64 holds it: -2^63 <= f < 2^63.
      const form = FORMS.get(e);
      const v = form?.form === 'literal' ? form.value : (e as hbs.AST.NumberLiteral).value;
      if (want === 'int' && (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63))) return undefined;
      return found(text(e));
    }
    case 'StringLiteral':
      return want === 'string' ? undefined : found(JSON.stringify((e as hbs.AST.StringLiteral).value));
    case 'BooleanLiteral':
      return want === 'bool' ? undefined : found(String((e as hbs.AST.BooleanLiteral).value));
    case 'NullLiteral':
    case 'UndefinedLiteral':
      return `cannot assign nil to ${want}`;
    default:
      return undefined;
  }
}

/**
 * printf's format must be a literal whose verbs are those of the dialect: the engine formats only
 * %s %d %v %q and %%, so a format read from values or made by a call (which Go's fmt takes with
 * any verb, flag or width) is refused here rather than printed otherwise than Go prints it.
 */
function printfFormat(file: string, e: Expression): void {
  if (e.type !== 'StringLiteral') fail(file, e, 'printf takes a string literal as its format', 'write the format in the template (with %s, %d, %v, %q or %%) and pass values as its arguments');
  const format = (e as hbs.AST.StringLiteral).value.replaceAll('%%', '');
  if (format.endsWith('%')) fail(file, e, 'printf format ends in a lone %', 'write %% for a percent sign');
  const verb = /%(?![sdvq])(.)/su.exec(format);
  if (verb) fail(file, e, `printf verb %${verb[1]} is not part of the dialect`, 'use %s, %d, %v, %q or %%, without flags or width');
}

/**
 * The one pass over a parsed template, on Handlebars' own Visitor: it checks every construct
 * against the dialect (failing at file:line:col with a hint) and resolves every expression's
 * form (literal, helper call, path) for the JS code generator and the Go compiler alike. It
 * tracks what the checks need: how many with/each scopes are open (for `../` and the @ data
 * variables) and whether it is at the top level of a partials file.
 */
function dialectPass(file: string, partials: boolean, source: string): Visitor {
  const V = handlebars().Visitor as unknown as new () => Visitor;
  // Where each line starts, to read a literal's text back from its location.
  // Handlebars' lexer counts a line at "\r\n", "\r" or "\n".
  const lineStarts = [0];
  for (const m of source.matchAll(/\r\n?|\n/g)) lineStarts.push(m.index + m[0].length);
  const text = (e: Expression): string => source.slice(lineStarts[e.loc.start.line - 1]! + e.loc.start.column, lineStarts[e.loc.end.line - 1]! + e.loc.end.column);
  let scopeDepth = 0;
  let topLevelOfPartials = partials;
  const pass = new V();
  const visit = (node: Node | undefined | null): void => {
    if (node) pass.accept(node);
  };
  const expression = (e: Expression): void => {
    const form = resolveForm(e, text);
    if (form === undefined && e.type === 'NumberLiteral') fail(file, e, 'this number literal cannot be read back from the template text', 'a U+2028 or U+2029 earlier in the template moves the locations Handlebars reports; remove it');
    if (form === undefined) fail(file, e, `${e.type} is not part of the dialect`, `see ${DIALECT_DOC}`);
    if (form.form === 'literal' && typeof form.value === 'number' && !Number.isFinite(form.value)) fail(file, e, 'this number literal is out of float64 range', 'Go refuses it when it parses the template');
    if (form.form === 'literal' && typeof form.value === 'bigint') {
      if (form.value < INT_MIN || form.value > INT_MAX) fail(file, e, `${form.value} overflows int`, 'Go refuses an integer literal outside int64; write it as a string');
      const t = text(e);
      if (/^-?0[0-9]/.test(t)) fail(file, e, `${t} has a leading zero`, 'Go reads it as octal; write the number without it');
    }
    FORMS.set(e, form);
    if (e.type === 'SubExpression') call(e as SubExpression);
    else if (e.type === 'PathExpression') path(e as PathExpression);
  };
  const path = (p: PathExpression): void => {
    if (p.data) {
      if (!DATA_VARS.has(p.parts[0] ?? '')) fail(file, p, `unknown data variable @${p.parts.join('.')}`, 'use @root, @index, @key, @first or @last');
      if (p.parts[0] !== 'root' && p.parts.length > 1) fail(file, p, `@${p.parts[0]} has no fields`, 'use it as a whole');
      if (p.parts[0] !== 'root' && scopeDepth === 0) fail(file, p, `@${p.parts[0]} outside #each`, 'use it inside an each block');
      return;
    }
    if (p.depth > scopeDepth) fail(file, p, `"${p.original}" climbs above the template's root`, 'use @root');
    if (p.parts.length > 1 && HELPER_NAMES.has(p.parts[0]!) && !p.original.startsWith('this') && !p.original.startsWith('.')) {
      fail(file, p, `path "${p.original}" starts with the helper name "${p.parts[0]}"`, 'write this.' + p.original);
    }
  };
  const call = (c: SubExpression | MustacheStatement | BlockStatement): void => {
    if (c.hash && c.hash.pairs.length > 0) fail(file, c.hash, 'hash arguments (key=value) have no Go counterpart', 'pass positional arguments, or a (dict ...)');
    for (const p of c.params) expression(p);
    if (c.path.type !== 'PathExpression' || c.type === 'BlockStatement') return;
    const head = c.path as PathExpression;
    const arity = head.parts.length === 1 && !head.data && head.depth === 0 ? ARITY.get(head.original) : undefined;
    if (arity !== undefined) {
      const [min, max] = arity;
      const n = c.params.length;
      if (n < min || (max !== undefined && n > max)) {
        const want = max === undefined ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
        const s = (k: number) => (k === 1 ? '' : 's');
        fail(file, head, `${head.original} takes ${want} argument${s(max ?? min)}, not ${n}`, `Go refuses the call ("wrong number of args for ${head.original}"); see ${DIALECT_DOC}`);
      }
    }
    const types = arity !== undefined ? PARAM_TYPES.get(head.original) : undefined;
    types?.forEach((want, i) => {
      const arg = c.params[i];
      const refused = want !== undefined && arg !== undefined ? literalMismatch(arg, want, text) : undefined;
      if (refused !== undefined) fail(file, arg!, `${head.original} takes ${want === 'int' ? 'an int' : `a ${want}`} as argument ${i + 1}`, `Go refuses the call ("${refused}"); see ${DIALECT_DOC}`);
    });
    if (head.original === 'printf' && c.params[0] !== undefined) printfFormat(file, c.params[0]);
    if ((c.params.length > 0 || c.type === 'SubExpression') && (head.data || head.depth > 0 || head.parts.length !== 1 || !HELPER_NAMES.has(head.original))) {
      fail(file, head, `unknown helper "${head.original}"`, `the helpers are listed in ${DIALECT_DOC}`);
    }
  };
  const inScope = (program: Program | undefined, depth: number, top: boolean): void => {
    const saved = [scopeDepth, topLevelOfPartials] as const;
    [scopeDepth, topLevelOfPartials] = [depth, top];
    visit(program);
    [scopeDepth, topLevelOfPartials] = saved;
  };
  const refuse = (message: string, hint: string) => (node: Node): never => fail(file, node, message, hint);
  Object.assign(pass, {
    Program(program: Program) {
      if (program.blockParams && program.blockParams.length > 0) fail(file, program, 'block parameters (as |x|) have no Go counterpart', 'use this, @key and @index');
      for (const st of program.body) visit(st);
    },
    ContentStatement(st: hbs.AST.ContentStatement) {
      if (topLevelOfPartials && st.value.trim() !== '') fail(file, st, 'text outside an {{#*inline}} block in a partials file', 'partials files hold named partials only');
    },
    CommentStatement() {},
    MustacheStatement(m: MustacheStatement) {
      if (topLevelOfPartials) fail(file, m, 'output outside an {{#*inline}} block', 'partials files hold named partials only');
      if (!m.escaped) fail(file, m, 'triple-stash {{{ }}} is not needed', 'output is never HTML-escaped; use {{ }}');
      call(m);
      if (m.params.length === 0 && (m.path.type === 'NullLiteral' || m.path.type === 'UndefinedLiteral')) fail(file, m, 'nil is not a command', 'Go refuses to print a bare nil; print a value');
      // The statement's head: an expression printed (a path, a literal, a zero-argument helper or a
      // parenthesised call), or the helper its arguments go to.
      if (m.params.length === 0) expression(m.path as Expression);
      else FORMS.set(m.path as Expression, { form: 'call', path: m.path as PathExpression, params: m.params, loc: m.loc });
    },
    BlockStatement(b: BlockStatement) {
      if (topLevelOfPartials) fail(file, b, 'block outside an {{#*inline}} block', 'partials files hold named partials only');
      const name = b.path.original;
      if (!BLOCKS.has(name)) fail(file, b, `unknown block helper "#${name}"`, 'blocks are #if, #unless, #with and #each');
      if (b.params.length !== 1) fail(file, b, `#${name} takes exactly one argument`, 'combine conditions with (and ...) or (or ...)');
      if (b.params[0]!.type === 'NullLiteral' || b.params[0]!.type === 'UndefinedLiteral') fail(file, b, 'nil is not a command', `Go refuses #${name} of a bare nil`);
      call(b);
      inScope(b.program, SCOPE_BLOCKS.has(name) ? scopeDepth + 1 : scopeDepth, false);
      // An else branch of with/each runs in the outer scope, as in Go.
      inScope(b.inverse, scopeDepth, false);
    },
    DecoratorBlock(d: BlockStatement) {
      if (!topLevelOfPartials) fail(file, d, 'inline partials belong in a _*.hbs partials file', 'move it to _helpers.hbs');
      if (d.path.original !== 'inline' || d.params.length !== 1 || d.params[0]!.type !== 'StringLiteral') {
        fail(file, d, 'only {{#*inline "name"}} decorators are supported', 'define partials with {{#*inline "name"}}');
      }
      inScope(d.program, 0, false);
    },
    PartialStatement: refuse('partial calls {{> name}} are not part of the dialect', 'use {{include "name" context}}'),
    PartialBlockStatement: refuse('partial calls {{> name}} are not part of the dialect', 'use {{include "name" context}}'),
    Decorator: refuse('Decorator is not part of the dialect', `see ${DIALECT_DOC}`),
  });
  return pass;
}

/** Parse a template (or a partials file) and check it against the dialect. */
export function parseTemplate(source: string, file: string, partials: boolean): Program {
  let ast: Program;
  try {
    ast = handlebars().parse(source, { srcName: file });
  } catch (e) {
    const msg = (e as Error).message;
    const m = /Parse error on line (\d+):/.exec(msg);
    const detail = msg.split('\n').pop() ?? msg;
    const line = m ? Number(m[1]) : 1;
    throw new DialectError(`${file}:${m ? m[1] : '1'}: template syntax error: ${detail}`, { file, line });
  }
  // At the top level of a partials file only {{#*inline}} blocks may stand.
  dialectPass(file, partials, source).accept(ast);
  return ast;
}

/** The named partials of a partials file, each as a program of its own. */
export function partialsOf(ast: Program): Map<string, Program> {
  const out = new Map<string, Program>();
  for (const st of ast.body) {
    if (st.type !== 'DecoratorBlock') continue;
    const d = st as BlockStatement;
    out.set((d.params[0] as hbs.AST.StringLiteral).value, d.program);
  }
  return out;
}
