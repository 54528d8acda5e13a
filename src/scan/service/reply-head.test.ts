import { describe, expect, it } from 'vitest';
import { parseReplyHead } from './reply-head.js';

describe('parseReplyHead', () => {
  it('reads protocol, status and the first value of each header, names case-insensitive', () => {
    const head = parseReplyHead('RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nSERVER: Dahua Rtsp Server\r\nServer: second\r\n\r\nbody: no');
    expect(head?.protocol).toBe('RTSP');
    expect(head?.status).toBe(401);
    expect(head?.headers.get('server')).toBe('Dahua Rtsp Server');
    expect(head?.headers.has('body')).toBe(false);
  });

  it('accepts bare LF line ends and a status line without a reason', () => {
    const head = parseReplyHead('HTTP/1.0 200\nServer: Boa/0.94.14rc21\n\n');
    expect([head?.status, head?.headers.get('server')]).toEqual([200, 'Boa/0.94.14rc21']);
  });

  it('rejects what does not start with a status line', () => {
    expect(parseReplyHead('SSH-2.0-OpenSSH_9.2p1\r\n')).toBeUndefined();
    expect(parseReplyHead('HTTP/1.1 2000 OK\r\n')).toBeUndefined();
    expect(parseReplyHead(' HTTP/1.1 200 OK\r\n')).toBeUndefined();
  });

  it('bounds the number of header lines and the value length', () => {
    const many = `HTTP/1.1 200 OK\r\n${Array.from({ length: 500 }, (_, i) => `X-${i}: v`).join('\r\n')}\r\nServer: late\r\n\r\n`;
    expect(parseReplyHead(many)?.headers.get('server')).toBeUndefined();
    expect(parseReplyHead(`HTTP/1.1 200 OK\r\nServer: ${'a'.repeat(5000)}\r\n\r\n`)?.headers.get('server')).toHaveLength(512);
  });
});
