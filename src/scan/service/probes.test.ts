import { describe, expect, it } from 'vitest';
import {
  authorityHost,
  GENERIC_PROBE,
  HTTP_PROBE,
  MAX_REPLY_BYTES,
  MQTT_CONNECT,
  planForPort,
  probeByName,
  PROBES,
  REDIS_PROBE,
  RTSP_PROBE,
  SERVER_FIRST_WAIT_MS,
  SIP_PROBE,
  UNKNOWN_PORT_WAIT_MS,
} from './probes.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('probe payloads', () => {
  it('HTTP: GET / with Host and User-Agent', () => {
    expect(text(HTTP_PROBE.payload('192.168.1.10', 80))).toBe(
      'GET / HTTP/1.0\r\nHost: 192.168.1.10\r\nUser-Agent: homesec\r\nAccept: */*\r\nConnection: close\r\n\r\n',
    );
    expect(text(HTTP_PROBE.payload('fe80::1%eth0', 80))).toContain('Host: [fe80::1]\r\n');
    expect(text(HTTP_PROBE.payload('nas.lan', 5000))).toContain('Host: nas.lan\r\n');
  });

  it('never copies a hostile host name into a request (no CRLF injection)', () => {
    for (const host of ['evil\r\nX-Injected: 1', 'a b', '<script>', '', 'x'.repeat(300)]) {
      const payload = text(HTTP_PROBE.payload(host, 80));
      expect(payload).not.toContain('Injected');
      expect(payload).not.toContain('Host:');
      expect(payload.split('\r\n').filter((l) => l === '').length).toBe(2);
      expect(text(RTSP_PROBE.payload(host, 554)).startsWith('OPTIONS * RTSP/1.0\r\n')).toBe(true);
      expect(text(SIP_PROBE.payload(host, 5060))).not.toContain('Injected');
    }
  });

  it('RTSP OPTIONS with CSeq 1, Redis inline PING, generic empty lines', () => {
    expect(text(RTSP_PROBE.payload('192.168.1.20', 554))).toBe('OPTIONS rtsp://192.168.1.20:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: homesec\r\n\r\n');
    expect(text(REDIS_PROBE.payload('h', 6379))).toBe('PING\r\n');
    expect(text(GENERIC_PROBE.payload('h', 1))).toBe('\r\n\r\n');
  });

  it('MQTT CONNECT is a valid MQTT 3.1.1 packet: clean session, keepalive 0, client id homesec', () => {
    const b = MQTT_CONNECT;
    expect(b[0]).toBe(0x10); // CONNECT, flags 0
    expect(b[1]).toBe(b.length - 2); // remaining length (one byte: < 128)
    expect(text(b.subarray(2, 8))).toBe('\x00\x04MQTT');
    expect(b[8]).toBe(4); // protocol level 3.1.1
    expect(b[9]).toBe(0x02); // clean session only: no will, no user name, no password
    expect((b[10]! << 8) | b[11]!).toBe(0); // keepalive
    expect((b[12]! << 8) | b[13]!).toBe(7);
    expect(text(b.subarray(14))).toBe('homesec');
    expect(probeByName('mqtt-connect')?.payload('h', 1883)).toEqual(MQTT_CONNECT);
  });

  it('every probe has a unique name, a bounded reply size, and is found by name', () => {
    const names = PROBES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PROBES) {
      expect(probeByName(p.name)).toBe(p);
      expect(p.maxReplyBytes).toBeGreaterThan(0);
      expect(p.maxReplyBytes).toBeLessThanOrEqual(MAX_REPLY_BYTES);
      expect(p.payload('192.168.1.2', p.ports[0] ?? 1).length).toBeGreaterThan(0);
    }
    expect(probeByName('nope')).toBeUndefined();
  });
});

describe('authorityHost', () => {
  it('accepts IPv4, DNS names and IPv6 (bracketed), nothing else', () => {
    expect(authorityHost('10.0.0.1')).toBe('10.0.0.1');
    expect(authorityHost('printer.home.arpa')).toBe('printer.home.arpa');
    expect(authorityHost('2001:db8::1')).toBe('[2001:db8::1]');
    expect(authorityHost('[2001:db8::1]')).toBe('[2001:db8::1]');
    expect(authorityHost('-bad.example')).toBeUndefined();
    expect(authorityHost('a..b')).toBeUndefined();
    expect(authorityHost('host:80')).toBeUndefined();
  });
});

describe('planForPort', () => {
  it('waits for the banner on server-first ports, then tries the generic probe', () => {
    for (const port of [21, 22, 25, 110, 143, 3306, 5900]) {
      const plan = planForPort(port);
      expect(plan.bannerWaitMs, `port ${port}`).toBe(SERVER_FIRST_WAIT_MS);
      expect(plan.probes.map((p) => p.name)).toEqual(['generic-lines']);
      expect(plan.listenOnly).toBe(false);
    }
  });

  it('sends at once on client-first ports', () => {
    const first = (port: number): string[] => planForPort(port).probes.map((p) => p.name);
    expect(first(80)).toEqual(['http-get']);
    expect(first(8080)).toEqual(['http-get']);
    expect(first(554)).toEqual(['rtsp-options']);
    expect(first(1883)).toEqual(['mqtt-connect']);
    expect(first(6379)).toEqual(['redis-ping']);
    expect(first(5432)).toEqual(['postgres-sslrequest']);
    expect(first(27017)).toEqual(['mongodb-ismaster']);
    expect(first(53)).toEqual(['dns-version-bind']);
    expect(first(5060)).toEqual(['sip-options']);
    expect(planForPort(80).bannerWaitMs).toBe(0);
  });

  it('does TLS first on TLS ports, then the same probes inside', () => {
    expect(planForPort(443)).toMatchObject({ tls: true, bannerWaitMs: 0 });
    expect(planForPort(443).probes[0]?.name).toBe('http-get');
    expect(planForPort(8883)).toMatchObject({ tls: true });
    expect(planForPort(8883).probes[0]?.name).toBe('mqtt-connect');
    expect(planForPort(993)).toMatchObject({ tls: true, bannerWaitMs: SERVER_FIRST_WAIT_MS });
    for (const port of [465, 995, 4443, 5986, 8443]) expect(planForPort(port).tls).toBe(true);
    expect(planForPort(80).tls).toBe(false);
  });

  it('never sends to printer ports', () => {
    for (const port of [515, 9100, 9107]) expect(planForPort(port)).toMatchObject({ listenOnly: true, probes: [], tls: false });
  });

  it('waits a little, then sends the generic probe to unknown ports', () => {
    expect(planForPort(31337)).toMatchObject({ bannerWaitMs: UNKNOWN_PORT_WAIT_MS, listenOnly: false });
    expect(planForPort(31337).probes).toEqual([GENERIC_PROBE]);
  });
});
