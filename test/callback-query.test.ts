import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { callbackParams, callbackText } from '../src/callback-query.js';

/** A request as Express hands it over, at `url`. */
function request(fields: { url: string }): Request {
  return { originalUrl: fields.url } as unknown as Request;
}

describe('callbackParams', () => {
  it('reads single values, and tells absent (undefined) from repeated (null)', () => {
    const param = callbackParams(request({ url: '/cb?code=aPrx%2B%2F%3D%3D&state=s&state=t&error=' }));
    expect(param('code')).toBe('aPrx+/==');
    expect(param('state')).toBeNull();
    expect(param('error')).toBe('');
    expect(param('missing')).toBeUndefined();
    expect(param('__proto__')).toBeUndefined();
  });

  it('reads nothing from a request without a query', () => {
    expect(callbackParams(request({ url: '/cb' }))('code')).toBeUndefined();
  });
});

describe('callbackText', () => {
  it('removes control and bidi characters and bounds the length', () => {
    expect(callbackText('a\u0000b\r\nc\u202ed\u2066e', 64)).toBe('abcde');
    expect(callbackText('x'.repeat(100), 10)).toBe('x'.repeat(10));
    expect(callbackText(null, 10)).toBe('');
  });
});
