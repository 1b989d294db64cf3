import type { Request } from 'express';

/**
 * Reading Salesforce's callback: its query parameters, and its error words made safe to log and
 * show. Pure functions of their arguments.
 */

/** The callback's query parameters: a value is `undefined` when absent and `null` when repeated. */
export function callbackParams(req: Request): (name: string) => string | null | undefined {
  const target = req.originalUrl ?? req.url ?? '/';
  // Starting a login: no query string, nothing to parse.
  if (!target.includes('?')) return () => undefined;
  let search: URLSearchParams;
  try {
    search = new URL(target, 'http://callback.invalid').searchParams;
  } catch {
    search = new URLSearchParams();
  }
  return (name) => {
    const values = search.getAll(name);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : null;
  };
}

/**
 * Salesforce's error words from the callback query, made safe to log and show: control and
 * bidirectional-override characters removed, length bounded. Repeated parameters read as empty.
 */
export function callbackText(value: string | null | undefined, maxLength: number): string {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, '').slice(0, maxLength);
}
