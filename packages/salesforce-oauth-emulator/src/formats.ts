/**
 * The response formats the token endpoint and the identity URL offer (salesforce-behaviour.md §4.1, §6):
 * JSON, URL-encoded and XML, chosen by a `format` parameter or the `Accept` header. Pure.
 */
import { escapeHtml, JSON_CONTENT_TYPE, type EmulatorResponse } from './responses.js';

export type ResponseFormat = 'json' | 'urlencoded' | 'xml';

const CONTENT_TYPES: Readonly<Record<ResponseFormat, string>> = {
  json: JSON_CONTENT_TYPE,
  urlencoded: 'application/x-www-form-urlencoded;charset=UTF-8',
  xml: 'application/xml;charset=UTF-8',
};

/** Media types of an `Accept` header and the format each asks for; `*` wildcards mean JSON. */
const ACCEPTED_TYPES: Readonly<Record<string, ResponseFormat>> = {
  'application/json': 'json',
  'application/xml': 'xml',
  'application/x-www-form-urlencoded': 'urlencoded',
  '*/*': 'json',
  'application/*': 'json',
};

/**
 * The format a request asks for: a `format` parameter among `parameterValues` wins; otherwise the
 * first media type of `Accept` that names a format, read left to right as Salesforce documents
 * (§6), quality values aside; otherwise JSON.
 */
export function negotiateFormat(
  formatParameter: string | undefined,
  accept: string | undefined,
  parameterValues: readonly ResponseFormat[],
): ResponseFormat {
  const named = parameterValues.find((format) => format === formatParameter?.toLowerCase());
  if (named !== undefined) return named;
  for (const mediaType of (accept ?? '').split(',')) {
    const format = ACCEPTED_TYPES[(mediaType.split(';')[0] ?? '').trim().toLowerCase()];
    if (format !== undefined) return format;
  }
  return 'json';
}

/** One element per member; nested objects nest, `null` is `xsi:nil`. */
function xmlElements(value: Record<string, unknown>, indent: string): string {
  return Object.entries(value)
    .map(([name, member]) => {
      if (member === null || member === undefined) return `${indent}<${name} xsi:nil="true"/>`;
      if (typeof member === 'object')
        return `${indent}<${name}>\n${xmlElements(member as Record<string, unknown>, `${indent}  `)}\n${indent}</${name}>`;
      // HTML's escapes are numeric character references, which XML reads alike.
      return `${indent}<${name}>${escapeHtml(String(member))}</${name}>`;
    })
    .join('\n');
}

function hasNull(value: Record<string, unknown>): boolean {
  return Object.values(value).some(
    (member) => member === null || (typeof member === 'object' && hasNull(member as Record<string, unknown>)),
  );
}

/**
 * An XML document with `root` as its element, `<OAuth>` for the token endpoint and `<user>` for
 * the identity URL, declaring the `xsi` namespace where a member is `xsi:nil`. [INF: the facts
 * sheet records that XML is offered, not its shape; this follows Salesforce's documentation
 * samples.]
 */
export function toXml(root: string, value: Record<string, unknown>): string {
  const namespace = hasNull(value) ? ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${namespace}>\n${xmlElements(value, '  ')}\n</${root}>\n`;
}

/**
 * Form encoding; nested members are flattened to `parent.child` names and `null` is empty.
 * [INF: how Salesforce flattens nested members is not recorded.]
 */
export function toUrlEncoded(value: Record<string, unknown>): string {
  const params = new URLSearchParams();
  const add = (prefix: string, member: unknown): void => {
    if (member !== null && typeof member === 'object') {
      for (const [name, inner] of Object.entries(member)) add(`${prefix}.${name}`, inner);
    } else {
      params.append(prefix, member === null || member === undefined ? '' : String(member));
    }
  };
  for (const [name, member] of Object.entries(value)) add(name, member);
  return params.toString();
}

/**
 * `response` in `format`. Only JSON bodies are converted: a plain-text answer (the identity URL's
 * `Bad_OAuth_Token`) stays as it is, whatever was asked for.
 */
export function inFormat(response: EmulatorResponse, format: ResponseFormat, xmlRoot: string): EmulatorResponse {
  if (format === 'json' || response.headers['Content-Type'] !== JSON_CONTENT_TYPE) return response;
  const value = JSON.parse(response.body) as Record<string, unknown>;
  const body = format === 'xml' ? toXml(xmlRoot, value) : toUrlEncoded(value);
  return { ...response, headers: { ...response.headers, 'Content-Type': CONTENT_TYPES[format] }, body };
}
