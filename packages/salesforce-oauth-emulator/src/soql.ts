/**
 * A small SOQL subset for the REST API's query resource, over one object's records:
 *
 *   SELECT field, … | COUNT() FROM Object
 *     [WHERE condition {AND|OR condition}]  (AND binds tighter; no parentheses)
 *     [ORDER BY field [ASC|DESC]] [LIMIT n]
 *
 * A condition is `field = value`, `!=` or `<>`, `LIKE 'pattern'` (`%` and `_`), or
 * `IN (value, …)`; a value is a 'string', a number, true, false or null. Keywords and field names
 * are case-insensitive, and so are string comparisons, as in SOQL. Pure: takes text and records,
 * returns records or the error Salesforce would name.
 */

export type FieldValue = string | number | boolean | null;
export type SoqlRecord = Readonly<Record<string, FieldValue>>;

export type SoqlError = { errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE'; message: string };

/** The query's answer: whether it counted, the fields selected (canonical names) and the matching items, in order. */
export type SoqlResult<T> = { ok: true; count: boolean; fields: string[]; items: T[] } | { ok: false; error: SoqlError };

type Token = { kind: 'word' | 'string' | 'number' | 'symbol'; text: string };

type Condition =
  | { field: string; op: '=' | '!='; value: FieldValue }
  | { field: string; op: 'like'; pattern: RegExp }
  | { field: string; op: 'in'; values: FieldValue[] };

/** Thrown inside the parser only; `runSoql` turns it into a result. */
class QueryError extends Error {
  constructor(readonly error: SoqlError) {
    super(error.message);
  }
}

const malformed = (message: string): QueryError => new QueryError({ errorCode: 'MALFORMED_QUERY', message });

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_][\w.]*)|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|(!=|<>|[(),=]))/y;
  let at = 0;
  while (at < query.length) {
    if (/^\s*$/.test(query.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(query);
    if (match === null) {
      const rest = query.slice(at).trimStart();
      throw malformed(`unexpected token at column ${query.length - rest.length + 1}: ${rest.slice(0, 20)}`);
    }
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'word', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2].replace(/\\(.)/g, '$1') });
    else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else tokens.push({ kind: 'symbol', text: match[4] ?? '' });
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

class Parser<T> {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly objectName: string,
    private readonly fieldNames: readonly string[],
    private readonly fieldsOf: (item: T) => SoqlRecord,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
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

  /** A field name in its canonical spelling. */
  private fieldName(token: Token): string {
    const name = token.kind === 'word' ? this.fieldNames.find((field) => field.toLowerCase() === token.text.toLowerCase()) : undefined;
    if (name === undefined)
      throw new QueryError({ errorCode: 'INVALID_FIELD', message: `No such column '${token.text}' on entity '${this.objectName}'.` });
    return name;
  }

  private value(): FieldValue {
    const token = this.next('a value');
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    throw malformed(`expecting a value, found ${token.text}`);
  }

  private condition(): Condition {
    const field = this.fieldName(this.next('a field name'));
    if (this.symbol('=')) return { field, op: '=', value: this.value() };
    if (this.symbol('!=') || this.symbol('<>')) return { field, op: '!=', value: this.value() };
    if (this.keyword('LIKE')) {
      const pattern = this.value();
      if (typeof pattern !== 'string') throw malformed('LIKE needs a string pattern');
      return { field, op: 'like', pattern: likePattern(pattern) };
    }
    if (this.keyword('IN')) {
      if (!this.symbol('(')) throw malformed('expecting ( after IN');
      const values = [this.value()];
      while (this.symbol(',')) values.push(this.value());
      if (!this.symbol(')')) throw malformed('expecting ) after the IN list');
      return { field, op: 'in', values };
    }
    throw malformed(`expecting an operator after ${field}`);
  }

  /** Conditions joined by AND and OR, as alternatives (OR) of conjunctions (AND). */
  private where(): Condition[][] {
    const alternatives: Condition[][] = [[this.condition()]];
    for (;;) {
      if (this.keyword('AND')) alternatives.at(-1)?.push(this.condition());
      else if (this.keyword('OR')) alternatives.push([this.condition()]);
      else return alternatives;
    }
  }

  run(items: readonly T[]): SoqlResult<T> {
    this.expectKeyword('SELECT');
    const selected: Token[] = [];
    const count = this.keyword('COUNT');
    if (count) {
      if (!this.symbol('(') || !this.symbol(')')) throw malformed('expecting COUNT()');
    } else {
      do selected.push(this.next('a field name'));
      while (this.symbol(','));
    }
    this.expectKeyword('FROM');
    const object = this.next('an object name');
    if (object.text.toLowerCase() !== this.objectName.toLowerCase()) {
      throw new QueryError({ errorCode: 'INVALID_TYPE', message: `sObject type '${object.text}' is not supported.` });
    }
    const fields = selected.map((token) => this.fieldName(token));

    let matching = [...items];
    if (this.keyword('WHERE')) {
      const alternatives = this.where();
      matching = matching.filter((item) => alternatives.some((all) => all.every((condition) => holds(condition, this.fieldsOf(item)))));
    }
    if (this.keyword('ORDER')) {
      this.expectKeyword('BY');
      const field = this.fieldName(this.next('a field name'));
      const descending = this.keyword('DESC');
      if (!descending) this.keyword('ASC');
      matching.sort((a, b) => (descending ? -1 : 1) * compare(this.fieldsOf(a)[field] ?? null, this.fieldsOf(b)[field] ?? null));
    }
    if (this.keyword('LIMIT')) {
      const limit = this.next('a number');
      if (limit.kind !== 'number' || !/^\d+$/.test(limit.text)) throw malformed(`LIMIT must be a whole number, found ${limit.text}`);
      matching = matching.slice(0, Number(limit.text));
    }
    const rest = this.peek();
    if (rest !== undefined) throw malformed(`unexpected token: ${rest.text}`);
    return { ok: true, count, fields, items: matching };
  }
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

function holds(condition: Condition, record: SoqlRecord): boolean {
  const value = record[condition.field] ?? null;
  switch (condition.op) {
    case '=':
      return equal(value, condition.value);
    case '!=':
      return !equal(value, condition.value);
    case 'like':
      return typeof value === 'string' && condition.pattern.test(value);
    case 'in':
      return condition.values.some((candidate) => equal(value, candidate));
  }
}

/**
 * Runs `query` against `items`, the records of the one object it may name, `objectName`, whose
 * fields (`fieldsOf`) carry `fieldNames`.
 */
export function runSoql<T>(
  query: string,
  objectName: string,
  fieldNames: readonly string[],
  items: readonly T[],
  fieldsOf: (item: T) => SoqlRecord,
): SoqlResult<T> {
  try {
    return new Parser(tokenize(query), objectName, fieldNames, fieldsOf).run(items);
  } catch (error) {
    if (error instanceof QueryError) return { ok: false, error: error.error };
    throw error;
  }
}
