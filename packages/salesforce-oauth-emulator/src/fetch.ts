/**
 * A `fetch` over node:http and node:https that trusts one CA: what a test hands to a client
 * that takes a fetch function (openid-client's `customFetch`), so it can talk to an HTTPS
 * emulator with certificate checks on. Node's own fetch cannot be given a CA.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EmulatorFetch } from './types.js';

/** Statuses whose responses have no body, which `new Response` refuses one for. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

async function bodyBytes(body: RequestInit['body'] | ReadableStream | null | undefined): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
}

function toResponse(message: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  const status = message.statusCode ?? 500;
  return new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, statusText: message.statusMessage ?? '', headers });
}

/**
 * A fetch that verifies HTTPS servers against `ca` (and only `ca`), and sends plain HTTP as is.
 * Unlike the global fetch it never follows redirects: a 3xx comes back as it is, with its
 * `Location`, as with `redirect: 'manual'` but readable.
 */
export function createTrustingFetch(ca: string | undefined): EmulatorFetch {
  return async (input, init = {}) => {
    const source = input instanceof Request ? input : undefined;
    const url = new URL(source?.url ?? String(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError(`fetch: only http: and https: URLs, got ${url.protocol}`);
    const headers = new Headers(init.headers ?? source?.headers);
    const rawBody = init.body ?? (source === undefined ? undefined : source.body);
    const body = await bodyBytes(rawBody);
    if (rawBody instanceof URLSearchParams && !headers.has('content-type')) {
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    }
    if (body !== undefined) headers.set('content-length', String(body.length));
    const signal = init.signal ?? source?.signal ?? undefined;
    const options = {
      method: init.method ?? source?.method ?? 'GET',
      headers: Object.fromEntries(headers),
      ...(signal === undefined ? {} : { signal }),
    };

    return new Promise<Response>((resolve, reject) => {
      const onResponse = (message: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        message.on('data', (chunk: Buffer) => chunks.push(chunk));
        message.on('end', () => resolve(toResponse(message, Buffer.concat(chunks))));
        message.on('error', reject);
      };
      const outgoing =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, ...(ca === undefined ? {} : { ca }) }, onResponse)
          : httpRequest(url, options, onResponse);
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}
