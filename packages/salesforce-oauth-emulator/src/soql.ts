/**
 * The SOQL the REST API's query resource answers, over the records of the emulated objects:
 *
 *   SELECT field | Relationship.field, … | COUNT() FROM Object
 *     [WHERE condition {AND|OR condition}]  (AND binds tighter; no parentheses, no NOT)
 *     [ORDER BY field [ASC|DESC], …] [LIMIT n]
 *
 * A condition is `field` with `=`, `!=`/`<>`, `<`, `<=`, `>`, `>=`, `LIKE 'pattern'` (`%`, `_`),
 * `IN (…)` or `NOT IN (…)`; a value is a 'string', a number, true, false, null, a date
 * (`2024-01-31`), a datetime (`2024-01-31T00:00:00Z`) or a date literal such as `TODAY` or
 * `LAST_N_DAYS:7` (in UTC). Keywords and names are case-insensitive, and so are string
 * comparisons, as in SOQL (salesforce-behaviour.md §11.2, §11.4).
 *
 * Valid SOQL beyond this (subqueries, aggregate functions, GROUP BY, OFFSET, TYPEOF, …) is
 * answered `NOT_EMULATED`, which says it is the emulator's limit, not the query's fault. Pure:
 * takes text and records, returns records or an error.
 */

export type FieldValue = string | number | boolean | null;

/** A record as the query sees it: field values, and related records under relationship names. */
export interface SoqlRow {
  readonly [name: string]: FieldValue | SoqlRow;
}

/** The SOAP type of a field, as describe and `columnMetadata` name it. */
export type SoqlFieldType = 'id' | 'string' | 'boolean' | 'datetime' | 'date' | 'email' | 'picklist' | 'reference' | 'int';

export interface SoqlField {
  readonly name: string;
  readonly type: SoqlFieldType;
  readonly label: string;
}

/** An object the emulator serves: its fields and its lookups (`Profile` on User → the Profile object). */
export interface SoqlObject {
  readonly name: string;
  readonly fields: readonly SoqlField[];
  /** Relationship name → the related object's name. */
  readonly relationships: Readonly<Record<string, string>>;
}

export type SoqlError = { errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'NOT_EMULATED'; message: string };

/** A selected column: its path (`['Profile', 'Name']`), canonical spelling, and the field it ends on. */
export interface SoqlColumn {
  readonly path: readonly string[];
  readonly field: SoqlField;
}

/** The query's answer: the object, whether it counted, the columns selected and the matching rows, in order. */
export type SoqlResult =
  { ok: true; object: SoqlObject; count: boolean; columns: SoqlColumn[]; rows: SoqlRow[] } | { ok: false; error: SoqlError };

type Token = { kind: 'word' | 'string' | 'number' | 'date' | 'symbol'; text: string };

/** A comparable value: a date or datetime literal becomes the range of instants it covers. */
type Operand = { kind: 'value'; value: FieldValue } | { kind: 'range'; from: number; to: number };

type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

type Condition =
  | { path: readonly string[]; op: Comparison; operand: Operand }
  | { path: readonly string[]; op: 'like'; pattern: RegExp }
  | { path: readonly string[]; op: 'in' | 'not in'; values: FieldValue[] };

/** Thrown inside the parser only; `runSoql` turns it into a result. */
class QueryError extends Error {
  constructor(readonly error: SoqlError) {
    super(error.message);
  }
}

const malformed = (message: string): QueryError => new QueryError({ errorCode: 'MALFORMED_QUERY', message });

const notEmulated = (what: string): QueryError =>
  new QueryError({
    errorCode: 'NOT_EMULATED',
    message: `${what} is valid SOQL that salesforce-oauth-emulator does not emulate: it answers SELECT fields (and Relationship.field) or COUNT() FROM one object, WHERE with AND/OR, ORDER BY and LIMIT. Test this query against a Salesforce org.`,
  });

/** Keywords of SOQL clauses and functions the emulator does not answer. */
const UNSUPPORTED_CLAUSES = new Set(['GROUP', 'HAVING', 'OFFSET', 'WITH', 'FOR', 'USING', 'ALL', 'UPDATE', 'NULLS']);

const DAY_MS = 24 * 60 * 60 * 1000;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))?)|([A-Za-z_][\w.]*(?::\d+)?)|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|(!=|<>|<=|>=|[(),=<>]))/y;
  // What follows the last token is only whitespace.
  const end = query.trimEnd().length;
  let at = 0;
  while (at < end) {
    pattern.lastIndex = at;
    const match = pattern.exec(query);
    if (match === null) {
      const rest = query.slice(at).trimStart();
      throw malformed(`unexpected token at column ${query.length - rest.length + 1}: ${rest.slice(0, 20)}`);
    }
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'date', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'word', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'string', text: match[3].replace(/\\(.)/g, '$1') });
    else if (match[4] !== undefined) tokens.push({ kind: 'number', text: match[4] });
    else tokens.push({ kind: 'symbol', text: match[5] ?? '' });
  }
  return tokens;
}

/** `%` and `_` of a LIKE pattern as a case-insensitive regular expression. */
function likePattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * The instants a date literal covers, `[from, to)`, in UTC (Salesforce uses the user's time zone).
 * `undefined` for a word that is no date literal.
 */
export function dateLiteralRange(literal: string, nowMs: number): { from: number; to: number } | 'unsupported' | undefined {
  const today = startOfUtcDay(nowMs);
  const days = (from: number, to: number): { from: number; to: number } => ({ from: today + from * DAY_MS, to: today + to * DAY_MS });
  const upper = literal.toUpperCase();
  const counted = /^(LAST|NEXT)_N_DAYS:(\d+)$/.exec(upper);
  if (counted !== null) {
    const n = Number(counted[2]);
    return counted[1] === 'LAST' ? days(-n, 1) : days(0, n + 1);
  }
  const now = new Date(nowMs);
  switch (upper) {
    case 'YESTERDAY':
      return days(-1, 0);
    case 'TODAY':
      return days(0, 1);
    case 'TOMORROW':
      return days(1, 2);
    case 'LAST_90_DAYS':
      return days(-90, 1);
    case 'NEXT_90_DAYS':
      return days(0, 91);
    case 'THIS_MONTH':
      return { from: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), to: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
    case 'THIS_YEAR':
      return { from: Date.UTC(now.getUTCFullYear(), 0, 1), to: Date.UTC(now.getUTCFullYear() + 1, 0, 1) };
  }
  // The other literals of Salesforce's list: valid, not answered here.
  return /^(?:(?:LAST|THIS|NEXT)_(?:WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)|(?:LAST|NEXT)_N_(?:WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS):\d+|N_(?:DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO:\d+)$/.test(
    upper,
  )
    ? 'unsupported'
    : undefined;
}

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly objects: ReadonlyMap<string, SoqlObject>,
    private readonly nowMs: number,
  ) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  private next(what: string): Token {
    const token = this.tokens[this.at++];
    if (token === undefined) throw malformed(`unexpected end of query, expecting ${what}`);
    return token;
  }

  /** Consumes the keyword if it comes next. */
  private keyword(word: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'word' || token.text.toUpperCase() !== word) return false;
    this.at++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.keyword(word)) throw malformed(`expecting ${word}, found ${this.peek()?.text ?? 'the end of the query'}`);
  }

  private symbol(text: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'symbol' || token.text !== text) return false;
    this.at++;
    return true;
  }

  /** A word followed by `(`: a function call (COUNT(), SUM(…), toLabel(…)…). */
  private atFunction(): boolean {
    const next = this.peek(1);
    return this.peek()?.kind === 'word' && next?.kind === 'symbol' && next.text === '(';
  }

  /** A field name, or a dotted path through relationships, resolved to its canonical spelling. */
  private column(object: SoqlObject, token: Token): SoqlColumn {
    if (token.kind !== 'word') throw malformed(`expecting a field name, found ${token.text}`);
    const parts = token.text.split('.');
    const path: string[] = [];
    let current = object;
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1) {
        const field = current.fields.find((candidate) => candidate.name.toLowerCase() === part.toLowerCase());
        if (field === undefined) throw unknownField(part, current);
        return { path: [...path, field.name], field };
      }
      const relationship = Object.keys(current.relationships).find((name) => name.toLowerCase() === part.toLowerCase());
      const related = relationship === undefined ? undefined : this.objects.get((current.relationships[relationship] ?? '').toLowerCase());
      if (relationship === undefined || related === undefined) {
        throw new QueryError({
          errorCode: 'INVALID_FIELD',
          message: `Didn't understand relationship '${part}' in field path. ${emulatorNote(current)}`,
        });
      }
      path.push(relationship);
      current = related;
    }
    throw malformed('expecting a field name');
  }

  private operand(): Operand {
    const token = this.next('a value');
    if (token.kind === 'string') return { kind: 'value', value: token.text };
    if (token.kind === 'number') return { kind: 'value', value: Number(token.text) };
    if (token.kind === 'date') {
      const from = Date.parse(token.text.length === 10 ? `${token.text}T00:00:00Z` : token.text);
      if (Number.isNaN(from)) throw malformed(`invalid date: ${token.text}`);
      return { kind: 'range', from, to: token.text.length === 10 ? from + DAY_MS : from + 1 };
    }
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    if (word === 'true' || word === 'false') return { kind: 'value', value: word === 'true' };
    if (word === 'null') return { kind: 'value', value: null };
    if (token.kind === 'word') {
      const range = dateLiteralRange(token.text, this.nowMs);
      if (range === 'unsupported') throw notEmulated(`The date literal ${token.text}`);
      if (range !== undefined) return { kind: 'range', ...range };
    }
    if (token.kind === 'symbol' && token.text === '(') throw notEmulated('A subquery');
    throw malformed(`expecting a value, found ${token.text}`);
  }

  private plainValue(): FieldValue {
    const operand = this.operand();
    if (operand.kind === 'range') throw notEmulated('A date in an IN list');
    return operand.value;
  }

  private condition(object: SoqlObject): Condition {
    if (this.symbol('(')) throw notEmulated('A parenthesised condition');
    if (this.keyword('NOT')) throw notEmulated('NOT');
    if (this.atFunction()) throw notEmulated(`The function ${this.peek()?.text ?? ''}() in WHERE`);
    const { path } = this.column(object, this.next('a field name'));
    for (const op of ['=', '!=', '<>', '<=', '>=', '<', '>'] as const) {
      if (this.symbol(op)) return { path, op: op === '<>' ? '!=' : op, operand: this.operand() };
    }
    if (this.keyword('LIKE')) {
      const pattern = this.plainValue();
      if (typeof pattern !== 'string') throw malformed('LIKE needs a string pattern');
      return { path, op: 'like', pattern: likePattern(pattern) };
    }
    const negated = this.keyword('NOT');
    if (this.keyword('IN')) {
      if (!this.symbol('(')) throw malformed('expecting ( after IN');
      if (this.keyword('SELECT')) throw notEmulated('A semi-join (IN (SELECT …))');
      const values = [this.plainValue()];
      while (this.symbol(',')) values.push(this.plainValue());
      if (!this.symbol(')')) throw malformed('expecting ) after the IN list');
      return { path, op: negated ? 'not in' : 'in', values };
    }
    if (this.keyword('INCLUDES') || this.keyword('EXCLUDES')) throw notEmulated('INCLUDES and EXCLUDES');
    throw malformed(`expecting an operator after ${path.join('.')}`);
  }

  /** Conditions joined by AND and OR, as alternatives (OR) of conjunctions (AND). */
  private where(object: SoqlObject): Condition[][] {
    const alternatives: Condition[][] = [[this.condition(object)]];
    for (;;) {
      if (this.keyword('AND')) alternatives.at(-1)?.push(this.condition(object));
      else if (this.keyword('OR')) alternatives.push([this.condition(object)]);
      else return alternatives;
    }
  }

  private rejectUnsupportedClause(): void {
    const token = this.peek();
    if (token?.kind === 'word' && UNSUPPORTED_CLAUSES.has(token.text.toUpperCase())) throw notEmulated(token.text.toUpperCase());
  }

  run(rowsOf: (object: SoqlObject) => readonly SoqlRow[]): SoqlResult {
    this.expectKeyword('SELECT');
    const selected: Token[] = [];
    let count = false;
    if (this.peek()?.text.toUpperCase() === 'TYPEOF') throw notEmulated('TYPEOF');
    if (this.atFunction()) {
      const name = this.next('a function');
      this.symbol('(');
      if (name.text.toUpperCase() !== 'COUNT' || !this.symbol(')')) throw notEmulated(`The function ${name.text}()`);
      count = true;
      if (this.symbol(',')) throw notEmulated('COUNT() with other fields');
    } else {
      do {
        if (this.symbol('(')) throw notEmulated('A subquery');
        if (this.atFunction()) throw notEmulated(`The function ${this.peek()?.text ?? ''}()`);
        selected.push(this.next('a field name'));
      } while (this.symbol(','));
    }
    this.expectKeyword('FROM');
    const objectToken = this.next('an object name');
    const object = this.objects.get(objectToken.text.toLowerCase());
    if (object === undefined) {
      throw new QueryError({
        errorCode: 'INVALID_TYPE',
        message: `sObject type '${objectToken.text}' is not supported. (salesforce-oauth-emulator serves only ${[...this.objects.values()].map((o) => o.name).join(', ')}; an object Salesforce has beyond these is not emulated.)`,
      });
    }
    const columns = selected.map((token) => this.column(object, token));
    if (this.peek()?.kind === 'word' && !['WHERE', 'ORDER', 'LIMIT'].includes(this.peek()?.text.toUpperCase() ?? '')) {
      this.rejectUnsupportedClause();
      throw notEmulated(`An alias or clause after FROM (${this.peek()?.text ?? ''})`);
    }

    let rows = [...rowsOf(object)];
    if (this.keyword('WHERE')) {
      const alternatives = this.where(object);
      rows = rows.filter((row) => alternatives.some((all) => all.every((condition) => holds(condition, row))));
    }
    this.rejectUnsupportedClause();
    if (this.keyword('ORDER')) {
      this.expectKeyword('BY');
      const keys: Array<{ path: readonly string[]; descending: boolean }> = [];
      do {
        const { path } = this.column(object, this.next('a field name'));
        const descending = this.keyword('DESC');
        if (!descending) this.keyword('ASC');
        this.rejectUnsupportedClause();
        keys.push({ path, descending });
      } while (this.symbol(','));
      rows.sort((a, b) => {
        for (const key of keys) {
          const order = compare(valueAt(a, key.path), valueAt(b, key.path));
          if (order !== 0) return key.descending ? -order : order;
        }
        return 0;
      });
    }
    if (this.keyword('LIMIT')) {
      const limit = this.next('a number');
      if (limit.kind !== 'number' || !/^\d+$/.test(limit.text)) throw malformed(`LIMIT must be a whole number, found ${limit.text}`);
      rows = rows.slice(0, Number(limit.text));
    }
    this.rejectUnsupportedClause();
    const rest = this.peek();
    if (rest !== undefined) throw malformed(`unexpected token: ${rest.text}`);
    return { ok: true, object, count, columns, rows };
  }
}

function emulatorNote(object: SoqlObject): string {
  return `(salesforce-oauth-emulator has only these ${object.name} fields: ${object.fields.map((f) => f.name).join(', ')}${
    Object.keys(object.relationships).length === 0 ? '' : `, and the relationships ${Object.keys(object.relationships).join(', ')}`
  }; a field Salesforce has beyond these is not emulated.)`;
}

function unknownField(name: string, object: SoqlObject): QueryError {
  return new QueryError({
    errorCode: 'INVALID_FIELD',
    message: `No such column '${name}' on entity '${object.name}'. ${emulatorNote(object)}`,
  });
}

/** The value at a column's path: `null` when a relationship on the way is empty. */
export function valueAt(row: SoqlRow, path: readonly string[]): FieldValue {
  let current: FieldValue | SoqlRow = row;
  for (const name of path) {
    if (current === null || typeof current !== 'object') return null;
    current = current[name] ?? null;
  }
  return current !== null && typeof current === 'object' ? null : current;
}

function equal(a: FieldValue, b: FieldValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** Nulls first, strings case-insensitively, as SOQL's ORDER BY. */
function compare(a: FieldValue, b: FieldValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, 'en', { sensitivity: 'base' });
  return a < b ? -1 : 1;
}

function compareOperand(value: FieldValue, op: Comparison, operand: Operand): boolean {
  if (operand.kind === 'value') {
    if (op === '=') return equal(value, operand.value);
    if (op === '!=') return !equal(value, operand.value);
    if (value === null || operand.value === null) return false;
    const order = compare(value, operand.value);
    return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
  }
  const instant = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(instant)) return op === '!=';
  switch (op) {
    case '=':
      return instant >= operand.from && instant < operand.to;
    case '!=':
      return instant < operand.from || instant >= operand.to;
    case '<':
      return instant < operand.from;
    case '<=':
      return instant < operand.to;
    case '>':
      return instant >= operand.to;
    case '>=':
      return instant >= operand.from;
  }
}

function holds(condition: Condition, row: SoqlRow): boolean {
  const value = valueAt(row, condition.path);
  switch (condition.op) {
    case 'like':
      return typeof value === 'string' && condition.pattern.test(value);
    case 'in':
      return condition.values.some((candidate) => equal(value, candidate));
    case 'not in':
      return !condition.values.some((candidate) => equal(value, candidate));
    default:
      return compareOperand(value, condition.op, condition.operand);
  }
}

/**
 * Runs `query` over the emulated `objects`, whose rows `rowsOf` gives; date literals count from
 * `nowMs`.
 */
export function runSoql(
  query: string,
  objects: readonly SoqlObject[],
  rowsOf: (object: SoqlObject) => readonly SoqlRow[],
  nowMs: number,
): SoqlResult {
  try {
    const byName = new Map(objects.map((object) => [object.name.toLowerCase(), object]));
    return new Parser(tokenize(query), byName, nowMs).run(rowsOf);
  } catch (error) {
    if (error instanceof QueryError) return { ok: false, error: error.error };
    throw error;
  }
}
