/**
 * Hostile input for service identification (hostile-input catalogue items 15 and 16): huge
 * banners, control characters, binary after a banner, random and mutated bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../../test/support/fuzz.js';
import type { Service } from '../types.js';
import { identifyService } from './identify.js';
import { PROBES } from './probes.js';
import { MAX_EXTRA_CHARS, MAX_VERSION_CHARS } from './rule.js';
import { MAX_BANNER_CHARS } from './sanitize.js';
import { dnsVersionAnswer, latin1, mysqlHandshakeV10 } from './testdata/builders.js';
import { DNS_QUERY_ID } from './dns-version.js';

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
const FIELDS = ['name', 'product', 'productName', 'version', 'extra', 'distro', 'osHint', 'banner', 'method'] as const;

/** Every string field is safe to store and log, and bounded. */
function checkService(s: Service): void {
  for (const key of FIELDS) {
    const v = s[key];
    if (v === undefined) continue;
    expect(typeof v).toBe('string');
    expect(UNSAFE.test(v), `${key}: ${JSON.stringify(v)}`).toBe(false);
  }
  for (const c of s.cpe ?? []) expect(UNSAFE.test(c)).toBe(false);
  expect((s.banner ?? '').length).toBeLessThanOrEqual(MAX_BANNER_CHARS);
  expect((s.version ?? '').length).toBeLessThanOrEqual(MAX_VERSION_CHARS);
  expect((s.extra ?? '').length).toBeLessThanOrEqual(MAX_EXTRA_CHARS);
  expect(s.confidence).toBeGreaterThanOrEqual(0);
  expect(s.confidence).toBeLessThanOrEqual(10);
  expect(s.protocol).toBe('tcp');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe('identifyService with hostile input', () => {
  it('a 1 MB SSH banner is identified from its head, stored truncated, and costs little', () => {
    const huge = concat(latin1('SSH-2.0-OpenSSH_9.2p1 '), new Uint8Array(1 << 20).fill(0x41), latin1('\r\n'));
    const start = performance.now();
    const s = identifyService({ port: 22, banner: huge });
    expect(performance.now() - start).toBeLessThan(200);
    expect(s).toMatchObject({ name: 'ssh', product: 'openssh', version: '9.2p1' });
    expect(s.banner).toHaveLength(MAX_BANNER_CHARS);
    expect(s.banner?.endsWith('…')).toBe(true);
    checkService(s);
    const noProduct = identifyService({ port: 22, banner: concat(latin1('SSH-2.0-'), new Uint8Array(1 << 20).fill(0x42)) });
    expect(noProduct).toMatchObject({ name: 'ssh', extra: `protocol 2.0; ${'B'.repeat(64)}` });
    checkService(noProduct);
  });

  it('NUL, ESC[2J and invalid UTF-8 in a banner are escaped, the product still found', () => {
    const s = identifyService({ port: 21, banner: concat(latin1('220 (vsFTPd 3.0.3)'), Uint8Array.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0xed, 0xa0, 0x80])) });
    expect(s).toMatchObject({ product: 'vsftpd', version: '3.0.3', banner: '220 (vsFTPd 3.0.3)\\x00\\x1b[2J\\xc3(\\xed\\xa0\\x80' });
    checkService(s);
  });

  it('control characters captured into extra or a header value never come out raw', () => {
    const ssh = identifyService({ port: 22, banner: latin1('SSH-2.0-OpenSSH_9.2p1 Debian\x1b[2J\x07\r\n') });
    expect(ssh.distro).toBe('debian');
    checkService(ssh);
    const werk = identifyService({ port: 80, httpServerHeader: 'Werkzeug/3.0.1 Python/3.11\u202e\u0000evil' });
    expect(werk.extra).toBe('Python 3.11');
    const nginx = identifyService({ port: 80, httpServerHeader: `nginx/1.22.1 (${'\u0085'.repeat(10)})` });
    expect(nginx.version).toBe('1.22.1');
    checkService(nginx);
  });

  it('markup in a banner is kept as inert text (escaping for HTML is the view’s job), bounded', () => {
    const s = identifyService({ port: 80, probe: 'http-get', response: latin1('HTTP/1.1 200 OK\r\nServer: <img src=x onerror=alert(1)>\r\n\r\n') });
    expect(s).toMatchObject({ name: 'http', confidence: 7 });
    expect(s.product).toBeUndefined();
    checkService(s);
  });

  it('regular expressions do not backtrack badly on long near-misses', () => {
    const nearMisses = [
      `220 ${' '.repeat(9000)}`,
      `220-${'a '.repeat(5000)}`,
      `* OK [${'['.repeat(9000)}`,
      `+OK ${'x '.repeat(5000)}`,
      `SSH-2.0-OpenSSH_${'1'.repeat(9000)}`,
      `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(3000)}`,
      `220 ${'Pure-'.repeat(2000)}`,
      `${'\r\n'.repeat(4000)}SSH-`,
    ];
    for (const text of nearMisses) {
      for (const port of [21, 22, 25, 110, 143, 80]) {
        const start = performance.now();
        checkService(identifyService({ port, banner: latin1(text) }));
        expect(performance.now() - start, `${port} ${text.slice(0, 20)}`).toBeLessThan(100);
      }
    }
    for (const header of [`nginx/${'1.'.repeat(5000)}`, `${'a'.repeat(9000)}MiniUPnPd/1`, `Apache/2 (${'('.repeat(9000)}`]) {
      const start = performance.now();
      checkService(identifyService({ port: 80, httpServerHeader: header }));
      expect(performance.now() - start).toBeLessThan(100);
    }
  });

  it('random bytes never throw and give bounded, safe output (20,000 cases)', async ({ task }) => {
    const ports = [0, 21, 22, 23, 25, 53, 80, 110, 143, 443, 554, 631, 1883, 3306, 5000, 5060, 5432, 5900, 6379, 8883, 9100, 27017, 65535];
    const probes = [undefined, 'unknown-probe', ...PROBES.map((p) => p.name)];
    await fuzz(
      task,
      'scan/service identify (random bytes)',
      fc.tuple(fc.constantFrom(...ports), fc.constantFrom(...probes), fc.uint8Array({ maxLength: 600 }), fc.boolean(), fc.boolean()),
      ([port, probe, bytes, asBanner, tls]) => {
        const s = identifyService(asBanner ? { port, banner: bytes, tls } : { port, probe, response: bytes, tls });
        checkService(s);
      },
      20_000,
    );
  });

  it('known prefixes followed by random bytes never throw (mutated real answers)', async ({ task }) => {
    const prefixes = [
      latin1('SSH-2.0-OpenSSH_'),
      latin1('SSH-2.0-dropbear_'),
      latin1('220 '),
      latin1('220-FileZilla Server '),
      latin1('* OK [CAPABILITY '),
      latin1('+OK Dovecot ('),
      latin1('HTTP/1.1 200 OK\r\nServer: '),
      latin1('RTSP/1.0 200 OK\r\nServer: LIVE555 Streaming Media v'),
      latin1('SIP/2.0 200 OK\r\nUser-Agent: '),
      latin1('RFB 003.00'),
      Uint8Array.from([0xff, 0xfb]),
      Uint8Array.from([0x20, 0x02]),
      mysqlHandshakeV10('5.5.5-10.11.6-MariaDB').subarray(0, 20),
      dnsVersionAnswer(DNS_QUERY_ID, 'dnsmasq-2.90').subarray(0, 40),
    ];
    await fuzz(
      task,
      'scan/service identify (known prefixes)',
      fc.tuple(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 300 }), fc.constantFrom(21, 22, 25, 53, 80, 143, 554, 1883, 3306, 5060, 5900)),
      ([prefix, tail, port]) => {
        checkService(identifyService({ port, banner: concat(prefix, tail) }));
        checkService(identifyService({ port, probe: PROBES[0]?.name, response: concat(prefix, tail) }));
      },
      5_000,
    );
  });

  it('garbage in the non-byte inputs is tolerated', () => {
    const odd = { port: 1.5, banner: 'not bytes', probe: 42, response: null, tls: 'yes', httpServerHeader: 7 } as unknown as Parameters<typeof identifyService>[0];
    expect(identifyService(odd)).toEqual({ port: 0, protocol: 'tcp', name: 'unknown', method: 'port', confidence: 0 });
  });
});
