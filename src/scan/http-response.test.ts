import { describe, expect, it } from 'vitest';
import { headerValue, parseHttpResponse } from './http-response.js';

describe('parseHttpResponse', () => {
  it('parses status, lower-cased headers, repeated Set-Cookie and the body', () => {
    const r = parseHttpResponse(
      Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: text/html\r\n\r\n<title>x</title>'),
    );
    expect(r?.status).toBe(200);
    expect(r?.reason).toBe('OK');
    expect(headerValue(r!.headers, 'server')).toBe('nginx/1.22.1');
    expect(r?.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r?.body).toBe('<title>x</title>');
  });

  it('de-chunks a chunked body and stops at a broken chunk', () => {
    const r = parseHttpResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\nzz\r\nrest'));
    expect(r?.body).toBe('hello world');
  });

  it('rejects what is not HTTP and survives hostile heads', () => {
    expect(parseHttpResponse(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBeUndefined();
    expect(parseHttpResponse(Buffer.alloc(0))).toBeUndefined();
    const huge = Buffer.concat([Buffer.from('HTTP/1.0 200 OK\r\nX-A: '), Buffer.alloc(1_000_000, 0x41)]);
    const r = parseHttpResponse(huge)!;
    expect(r.status).toBe(200);
    expect((r.headers['x-a'] as string).length).toBe(4096);
    const many = Buffer.from('HTTP/1.0 200 OK\r\n' + 'Set-Cookie: c=1\r\n'.repeat(5000) + '\r\n');
    expect((parseHttpResponse(many)!.headers['set-cookie'] as string[]).length).toBe(50);
  });
});
