/**
 * A parser and evaluator for ConnectWise's `conditions` query language.
 *
 * Grammar (keywords case-insensitive):
 *   expr       := andExpr ( OR andExpr )*
 *   andExpr    := notExpr ( AND notExpr )*
 *   notExpr    := NOT notExpr | '(' expr ')' | comparison
 *   comparison := path ( '=' | '!=' | '<' | '<=' | '>' | '>=' ) value
 *               | path [NOT] ( LIKE | CONTAINS ) string
 *               | path [NOT] IN '(' value ( ',' value )* ')'
 *   value      := "string" | number | True | False | null | [datetime]
 *   path       := name ( '/' name )*        e.g. company/id, type/name, _info/lastUpdated
 *
 * Semantics follow the SQL that ConnectWise generates:
 * - String comparisons are case-insensitive (ConnectWise's SQL Server collation is
 *   case-insensitive) and `=`/`!=` ignore trailing spaces (SQL Server pads for equality).
 * - LIKE wildcards: `*` and `%` match any run of characters, `_` matches one character
 *   (ConnectWise passes `_` through to SQL LIKE, so it is a wildcard there too).
 * - `= null` / `!= null` mean IS NULL / IS NOT NULL; any other comparison with a missing
 *   value is UNKNOWN (three-valued logic), and only rows where the whole condition is TRUE
 *   are returned. So `not (backupYear = 2026)` does not return rows with no backupYear.
 * - How ConnectWise escapes `"` or `\` inside a quoted value is unconfirmed, so a backslash
 *   inside a string is rejected here: a client must never depend on escaping.
 * - The value's type must match the field's type (a string for text fields, a bare number
 *   for numeric fields, True/False for flags, [datetime] for dates); a mismatch is an error.
 */
import type { OpenApi, PropSpec } from './openapi.js';

export class ConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConditionError';
  }
}

type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'datetime'; value: number; text: string };

type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type ConditionNode =
  | { kind: 'and' | 'or'; left: ConditionNode; right: ConditionNode }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Literal }
  | { kind: 'like' | 'contains'; path: string[]; negated: boolean; value: string }
  | { kind: 'in'; path: string[]; negated: boolean; values: Literal[] };

type Token =
  | { t: 'lparen' | 'rparen' | 'comma'; pos: number }
  | { t: 'op'; op: CompareOp; pos: number }
  | { t: 'string'; value: string; pos: number }
  | { t: 'number'; value: number; pos: number }
  | { t: 'datetime'; value: number; text: string; pos: number }
  | { t: 'word'; value: string; pos: number }
  | { t: 'path'; value: string[]; pos: number }
  | { t: 'end'; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'contains', 'in', 'true', 'false', 'null']);
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?\d+(\.\d+)?(?![A-Za-z0-9_])/y;
const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === '(') {
      tokens.push({ t: 'lparen', pos });
      i++;
    } else if (c === ')') {
      tokens.push({ t: 'rparen', pos });
      i++;
    } else if (c === ',') {
      tokens.push({ t: 'comma', pos });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      for (; j < input.length && input[j] !== '"'; j++) {
        if (input[j] === '\\') {
          throw new ConditionError(
            `backslash in the string starting at position ${pos}: escaping inside quoted values is not supported (unconfirmed in ConnectWise)`,
          );
        }
        value += input[j];
      }
      if (j >= input.length) throw new ConditionError(`unterminated string starting at position ${pos}`);
      tokens.push({ t: 'string', value, pos });
      i = j + 1;
    } else if (c === '[') {
      const end = input.indexOf(']', i);
      if (end < 0) throw new ConditionError(`unterminated [datetime] starting at position ${pos}`);
      const text = input.slice(i + 1, end).trim();
      const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T');
      const ms = DATETIME_TEXT.test(text) ? Date.parse(hasZone || !text.includes('T') ? text : `${text}Z`) : Number.NaN;
      if (Number.isNaN(ms)) throw new ConditionError(`invalid datetime [${text}] at position ${pos}`);
      tokens.push({ t: 'datetime', value: ms, text, pos });
      i = end + 1;
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ t: 'op', op: two, pos });
        i += 2;
      } else if (two === '<>') {
        tokens.push({ t: 'op', op: '!=', pos });
        i += 2;
      } else if (c === '!') {
        throw new ConditionError(`unexpected '!' at position ${pos}`);
      } else {
        tokens.push({ t: 'op', op: c as CompareOp, pos });
        i++;
      }
    } else if (c === '-' || /\d/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(input);
      if (!m) throw new ConditionError(`invalid number at position ${pos}`);
      tokens.push({ t: 'number', value: Number(m[0]), pos });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const segments: string[] = [];
      let j = i;
      for (;;) {
        NAME.lastIndex = j;
        const m = NAME.exec(input);
        if (!m) throw new ConditionError(`invalid field name at position ${j}`);
        segments.push(m[0]);
        j += m[0].length;
        if (input[j] === '/') {
          j++;
          continue;
        }
        break;
      }
      const first = segments[0] as string;
      if (segments.length === 1 && KEYWORDS.has(first.toLowerCase()))
        tokens.push({ t: 'word', value: first.toLowerCase(), pos });
      else tokens.push({ t: 'path', value: segments, pos });
      i = j;
    } else {
      throw new ConditionError(`unexpected character '${c}' at position ${pos}`);
    }
  }
  tokens.push({ t: 'end', pos: input.length });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): ConditionNode {
    const node = this.expr();
    const t = this.peek();
    if (t.t !== 'end') throw new ConditionError(`unexpected ${describe(t)} at position ${t.pos}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    return this.tokens[this.i++] as Token;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.t === 'word' && t.value === word;
  }

  private expr(): ConditionNode {
    let left = this.andExpr();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): ConditionNode {
    let left = this.notExpr();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.notExpr() };
    }
    return left;
  }

  private notExpr(): ConditionNode {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', operand: this.notExpr() };
    }
    const t = this.peek();
    if (t.t === 'lparen') {
      this.next();
      const inner = this.expr();
      const close = this.next();
      if (close.t !== 'rparen')
        throw new ConditionError(`expected ')' at position ${close.pos}, found ${describe(close)}`);
      return inner;
    }
    return this.comparison();
  }

  private comparison(): ConditionNode {
    const t = this.next();
    if (t.t !== 'path') throw new ConditionError(`expected a field name at position ${t.pos}, found ${describe(t)}`);
    const path = t.value;
    let negated = false;
    if (this.isWord('not')) {
      this.next();
      negated = true;
    }
    const opTok = this.next();
    if (!negated && opTok.t === 'op') {
      return { kind: 'compare', path, op: opTok.op, value: this.literal() };
    }
    if (opTok.t === 'word' && (opTok.value === 'like' || opTok.value === 'contains')) {
      const v = this.next();
      if (v.t !== 'string') throw new ConditionError(`${opTok.value} needs a quoted string at position ${v.pos}`);
      return { kind: opTok.value, path, negated, value: v.value };
    }
    if (opTok.t === 'word' && opTok.value === 'in') {
      const open = this.next();
      if (open.t !== 'lparen') throw new ConditionError(`in needs a parenthesised list at position ${open.pos}`);
      const values: Literal[] = [this.literal()];
      for (;;) {
        const sep = this.next();
        if (sep.t === 'rparen') break;
        if (sep.t !== 'comma')
          throw new ConditionError(`expected ',' or ')' at position ${sep.pos}, found ${describe(sep)}`);
        values.push(this.literal());
      }
      return { kind: 'in', path, negated, values };
    }
    throw new ConditionError(
      `expected an operator after '${path.join('/')}' at position ${opTok.pos}, found ${describe(opTok)}`,
    );
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.t) {
      case 'string':
        return { type: 'string', value: t.value };
      case 'number':
        return { type: 'number', value: t.value };
      case 'datetime':
        return { type: 'datetime', value: t.value, text: t.text };
      case 'word':
        if (t.value === 'true') return { type: 'boolean', value: true };
        if (t.value === 'false') return { type: 'boolean', value: false };
        if (t.value === 'null') return { type: 'null' };
        break;
      case 'path':
        throw new ConditionError(
          `expected a value at position ${t.pos}, found '${t.value.join('/')}' (strings must be in double quotes)`,
        );
      default:
        break;
    }
    throw new ConditionError(`expected a value at position ${t.pos}, found ${describe(t)}`);
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'end':
      return 'end of input';
    case 'path':
      return `'${t.value.join('/')}'`;
    case 'word':
      return `'${t.value}'`;
    case 'op':
      return `'${t.op}'`;
    case 'string':
      return `"${t.value}"`;
    case 'number':
      return String(t.value);
    case 'datetime':
      return `[${t.text}]`;
    case 'lparen':
      return "'('";
    case 'rparen':
      return "')'";
    case 'comma':
      return "','";
  }
}

export function parseConditions(input: string): ConditionNode {
  if (input.trim() === '') throw new ConditionError('empty conditions');
  return new Parser(tokenize(input)).parse();
}

/** Three-valued result: true, false, or null (UNKNOWN). */
type Tri = boolean | null;
export type Predicate = (record: Record<string, unknown>) => Tri;

type FieldType = 'string' | 'number' | 'boolean' | 'datetime';

function fieldTypeOf(prop: PropSpec): FieldType | string {
  switch (prop.kind) {
    case 'string':
      return prop.format === 'date-time' ? 'datetime' : 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'ref':
      return 'a reference (compare one of its fields, e.g. /id or /name)';
    case 'array':
      return 'an array (use childConditions)';
    default:
      return 'an object';
  }
}

/** Field aliases ConnectWise accepts at top level. */
const ALIASES: Record<string, string[]> = {
  lastUpdated: ['_info', 'lastUpdated'],
  dateEntered: ['_info', 'dateEntered'],
};

export function getPath(record: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = record;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function normalizeString(s: string): string {
  return s.toLowerCase().replace(/ +$/, '');
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*' || ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

function checkLiteral(field: string, type: FieldType, lit: Literal): void {
  if (lit.type === 'null') return;
  const expected = type === 'datetime' ? 'datetime' : type;
  if (lit.type !== expected) {
    const hint = {
      string: 'a "quoted string"',
      number: 'a bare number',
      boolean: 'True or False',
      datetime: 'a [datetime]',
    }[type];
    throw new ConditionError(`field '${field}' is a ${type} and must be compared with ${hint}`);
  }
}

function literalValue(lit: Literal): string | number | boolean | null {
  switch (lit.type) {
    case 'null':
      return null;
    case 'string':
      return normalizeString(lit.value);
    default:
      return lit.value;
  }
}

function toComparable(type: FieldType, raw: unknown): string | number | boolean | null {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'string':
      return typeof raw === 'string' ? normalizeString(raw) : normalizeString(String(raw));
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return Boolean(raw);
    case 'datetime': {
      const ms = typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
      return Number.isNaN(ms) ? null : ms;
    }
  }
}

function compare(op: CompareOp, a: string | number | boolean, b: string | number | boolean): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

type FieldResolver = (path: string[]) => { path: string[]; type: FieldType };
type Node<K extends ConditionNode['kind']> = Extract<ConditionNode, { kind: K }>;

/** Resolves a field path (or top-level alias) against the schema; only scalar fields compare. */
function fieldResolver(api: OpenApi, schemaName: string): FieldResolver {
  return (path) => {
    const effective = path.length === 1 && ALIASES[path[0] as string] ? (ALIASES[path[0] as string] as string[]) : path;
    const prop = api.resolvePath(schemaName, effective);
    const field = path.join('/');
    if (typeof prop === 'string') throw new ConditionError(prop);
    const type = fieldTypeOf(prop);
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'datetime') {
      throw new ConditionError(`field '${field}' is ${type} and cannot be compared`);
    }
    return { path: effective, type };
  };
}

/** Three-valued AND: false wins, otherwise unknown (null) unless both are true. */
function andPredicate(l: Predicate, r: Predicate): Predicate {
  return (rec) => {
    const a = l(rec);
    if (a === false) return false;
    const b = r(rec);
    if (b === false) return false;
    return a === true && b === true ? true : null;
  };
}

/** Three-valued OR: true wins, otherwise unknown (null) unless both are false. */
function orPredicate(l: Predicate, r: Predicate): Predicate {
  return (rec) => {
    const a = l(rec);
    if (a === true) return true;
    const b = r(rec);
    if (b === true) return true;
    return a === false && b === false ? false : null;
  };
}

function notPredicate(inner: Predicate): Predicate {
  return (rec) => {
    const v = inner(rec);
    return v === null ? null : !v;
  };
}

function comparePredicate(node: Node<'compare'>, resolve: FieldResolver): Predicate {
  const { path, type } = resolve(node.path);
  const field = node.path.join('/');
  checkLiteral(field, type, node.value);
  if (type === 'boolean' && node.op !== '=' && node.op !== '!=') {
    throw new ConditionError(`field '${field}' is a boolean: only = and != apply`);
  }
  const lit = literalValue(node.value);
  const op = node.op;
  if (lit === null) {
    if (op !== '=' && op !== '!=')
      throw new ConditionError(`null can only be compared with = or != (field '${field}')`);
    return (rec) => {
      const v = getPath(rec, path);
      const isNull = v === null || v === undefined;
      return op === '=' ? isNull : !isNull;
    };
  }
  return (rec) => {
    const v = toComparable(type, getPath(rec, path));
    if (v === null) return null;
    return compare(op, v, lit);
  };
}

function textMatchPredicate(node: Node<'like' | 'contains'>, resolve: FieldResolver): Predicate {
  const { path, type } = resolve(node.path);
  const field = node.path.join('/');
  if (type !== 'string') throw new ConditionError(`${node.kind} applies to text fields only; '${field}' is a ${type}`);
  const negated = node.negated;
  const test =
    node.kind === 'like'
      ? (
          (re: RegExp) => (s: string) =>
            re.test(s)
        )(likeToRegExp(node.value))
      : (
          (needle: string) => (s: string) =>
            s.toLowerCase().includes(needle)
        )(node.value.toLowerCase());
  return (rec) => {
    const v = getPath(rec, path);
    if (v === null || v === undefined) return null;
    const hit = test(String(v));
    return negated ? !hit : hit;
  };
}

function inListPredicate(node: Node<'in'>, resolve: FieldResolver): Predicate {
  const { path, type } = resolve(node.path);
  const field = node.path.join('/');
  for (const lit of node.values) {
    if (lit.type === 'null') throw new ConditionError(`null is not allowed in an in-list (field '${field}')`);
    checkLiteral(field, type, lit);
  }
  const set = new Set(node.values.map(literalValue));
  const negated = node.negated;
  return (rec) => {
    const v = toComparable(type, getPath(rec, path));
    if (v === null) return null;
    const hit = set.has(v);
    return negated ? !hit : hit;
  };
}

/**
 * Compiles a parsed condition against a resource's schema: unknown fields and type
 * mismatches throw ConditionError; the result evaluates a rendered record.
 */
export function compileConditions(node: ConditionNode, api: OpenApi, schemaName: string): Predicate {
  const resolve = fieldResolver(api, schemaName);
  switch (node.kind) {
    case 'and':
      return andPredicate(
        compileConditions(node.left, api, schemaName),
        compileConditions(node.right, api, schemaName),
      );
    case 'or':
      return orPredicate(compileConditions(node.left, api, schemaName), compileConditions(node.right, api, schemaName));
    case 'not':
      return notPredicate(compileConditions(node.operand, api, schemaName));
    case 'compare':
      return comparePredicate(node, resolve);
    case 'like':
    case 'contains':
      return textMatchPredicate(node, resolve);
    case 'in':
      return inListPredicate(node, resolve);
  }
}

/**
 * Top-level `path = number` / `path in (numbers)` conjuncts, used to narrow a scan through
 * a secondary index (e.g. company/id). The full predicate is still applied afterwards.
 */
export function indexableIds(node: ConditionNode, field: string): number[] | undefined {
  switch (node.kind) {
    case 'and': {
      const l = indexableIds(node.left, field);
      const r = indexableIds(node.right, field);
      if (l && r) return l.filter((id) => r.includes(id));
      return l ?? r;
    }
    case 'compare':
      if (node.path.join('/') === field && node.op === '=' && node.value.type === 'number') return [node.value.value];
      return undefined;
    case 'in':
      if (node.path.join('/') === field && !node.negated && node.values.every((v) => v.type === 'number')) {
        return node.values.map((v) => (v.type === 'number' ? v.value : Number.NaN));
      }
      return undefined;
    default:
      return undefined;
  }
}
