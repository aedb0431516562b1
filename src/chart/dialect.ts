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
  | { form: 'literal'; value: string | number | boolean | null | undefined }
  | { form: 'call'; path: PathExpression; params: Expression[]; loc: hbs.AST.SourceLocation }
  | { form: 'path'; path: PathExpression };

/** The form of a dialect expression (a zero-argument helper path is a call, as in Go). */
export function formOf(e: Expression): ExpressionForm {
  switch (e.type) {
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
      return { form: 'literal', value: (e as hbs.AST.StringLiteral | hbs.AST.NumberLiteral | hbs.AST.BooleanLiteral).value };
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
      throw new Error(`unexpected ${e.type} (the dialect check lets none through)`);
  }
}

function checkExpression(file: string, e: Expression, scopeDepth: number): void {
  switch (e.type) {
    case 'StringLiteral':
    case 'NumberLiteral':
    case 'BooleanLiteral':
    case 'NullLiteral':
    case 'UndefinedLiteral':
      return;
    case 'SubExpression':
      checkCall(file, e as SubExpression, scopeDepth);
      return;
    case 'PathExpression': {
      const p = e as PathExpression;
      if (p.data) {
        if (!DATA_VARS.has(p.parts[0] ?? '')) {
          fail(file, p, `unknown data variable @${p.parts.join('.')}`, 'use @root, @index, @key, @first or @last');
        }
        if (p.parts[0] !== 'root' && p.parts.length > 1) fail(file, p, `@${p.parts[0]} has no fields`, 'use it as a whole');
        if (p.parts[0] !== 'root' && scopeDepth === 0) fail(file, p, `@${p.parts[0]} outside #each`, 'use it inside an each block');
        return;
      }
      if (p.depth > scopeDepth) fail(file, p, `"${p.original}" climbs above the template's root`, 'use @root');
      if (p.parts.length > 1 && HELPER_NAMES.has(p.parts[0]!) && !p.original.startsWith('this') && !p.original.startsWith('.')) {
        fail(file, p, `path "${p.original}" starts with the helper name "${p.parts[0]}"`, 'write this.' + p.original);
      }
      return;
    }
    default:
      fail(file, e, `${e.type} is not part of the dialect`, `see ${DIALECT_DOC}`);
  }
}

function checkCall(file: string, call: SubExpression | MustacheStatement | BlockStatement, scopeDepth: number): void {
  if (call.hash && call.hash.pairs.length > 0) {
    fail(file, call.hash, 'hash arguments (key=value) have no Go counterpart', 'pass positional arguments, or a (dict ...)');
  }
  for (const p of call.params) checkExpression(file, p, scopeDepth);
  if (call.path.type !== 'PathExpression') return;
  const path = call.path as PathExpression;
  const name = path.original;
  if (call.type === 'BlockStatement') return;
  if (call.params.length > 0 || call.type === 'SubExpression') {
    if (path.data || path.depth > 0 || path.parts.length !== 1 || !HELPER_NAMES.has(name)) {
      fail(file, path, `unknown helper "${name}"`, `the helpers are listed in ${DIALECT_DOC}`);
    }
  }
}

function checkProgram(file: string, program: Program, scopeDepth: number, topLevelOfPartials: boolean): void {
  if (program.blockParams && program.blockParams.length > 0) {
    fail(file, program, 'block parameters (as |x|) have no Go counterpart', 'use this, @key and @index');
  }
  for (const st of program.body) {
    switch (st.type) {
      case 'ContentStatement':
        if (topLevelOfPartials && (st as hbs.AST.ContentStatement).value.trim() !== '') {
          fail(file, st, 'text outside an {{#*inline}} block in a partials file', 'partials files hold named partials only');
        }
        break;
      case 'CommentStatement':
        break;
      case 'MustacheStatement': {
        const m = st as MustacheStatement;
        if (topLevelOfPartials) fail(file, st, 'output outside an {{#*inline}} block', 'partials files hold named partials only');
        if (!m.escaped) fail(file, m, 'triple-stash {{{ }}} is not needed', 'output is never HTML-escaped; use {{ }}');
        checkCall(file, m, scopeDepth);
        if (m.params.length === 0 && m.path.type === 'PathExpression') checkExpression(file, m.path as Expression, scopeDepth);
        break;
      }
      case 'BlockStatement': {
        const b = st as BlockStatement;
        if (topLevelOfPartials) fail(file, st, 'block outside an {{#*inline}} block', 'partials files hold named partials only');
        const name = b.path.original;
        if (!BLOCKS.has(name)) fail(file, b, `unknown block helper "#${name}"`, 'blocks are #if, #unless, #with and #each');
        if (b.params.length !== 1) fail(file, b, `#${name} takes exactly one argument`, 'combine conditions with (and ...) or (or ...)');
        checkCall(file, b, scopeDepth);
        const inner = SCOPE_BLOCKS.has(name) ? scopeDepth + 1 : scopeDepth;
        if (b.program) checkProgram(file, b.program, inner, false);
        // An else branch of with/each runs in the outer scope, as in Go.
        if (b.inverse) checkProgram(file, b.inverse, scopeDepth, false);
        break;
      }
      case 'DecoratorBlock': {
        const d = st as BlockStatement;
        if (!topLevelOfPartials) fail(file, st, 'inline partials belong in a _*.hbs partials file', 'move it to _helpers.hbs');
        if (d.path.original !== 'inline' || d.params.length !== 1 || d.params[0]!.type !== 'StringLiteral') {
          fail(file, st, 'only {{#*inline "name"}} decorators are supported', 'define partials with {{#*inline "name"}}');
        }
        checkProgram(file, d.program, 0, false);
        break;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        fail(file, st, 'partial calls {{> name}} are not part of the dialect', 'use {{include "name" context}}');
        break;
      default:
        fail(file, st, `${st.type} is not part of the dialect`, `see ${DIALECT_DOC}`);
    }
  }
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
  checkProgram(file, ast, 0, partials);
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
