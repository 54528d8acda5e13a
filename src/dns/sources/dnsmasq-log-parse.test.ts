import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import type { DnsQuery } from '../types.js';
import { createDnsmasqAssembler } from './dnsmasq-assembler.js';
import { createDnsmasqLogSource } from './dnsmasq-log-source.js';
import { parseLogLine } from './dnsmasq-log-parse.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NOW = new Date(2026, 0, 25, 12, 0, 0).getTime();

function assemble(lines: string[], nowMs = NOW, maxWaitMs = 10_000) {
  const a = createDnsmasqAssembler({ maxPending: 100, maxWaitMs });
  const out: DnsQuery[] = [];
  let bad = 0;
  for (const l of lines) {
    const e = parseLogLine(l, nowMs);
    if (e.kind === 'bad') bad++;
    else a.push(e, nowMs, out);
  }
  a.flush(nowMs, out);
  return { out, bad, a };
}

describe('dnsmasq / pihole.log parser', () => {
  it('parses the Pi-hole log fixture into records with status, rcode and answers', () => {
    const lines = fs.readFileSync(path.join(HERE, 'testdata', 'pihole.log'), 'utf8').split('\n').filter((l) => l.length > 0);
    const { out, bad, a } = assemble(lines, NOW, 0);
    const by = (name: string, type = 'A') => out.find((q) => q.name === name && q.type === type);
    expect(by('www.example.com')).toMatchObject({
      client: '192.168.1.10',
      status: 'forwarded',
      upstream: '1.1.1.1',
      rcode: 'NOERROR',
      answers: ['CNAME'],
      timeMs: new Date(2026, 0, 24, 19, 13, 19).getTime(),
    });
    expect(by('www.example.com', 'AAAA')).toMatchObject({ status: 'cached', rcode: 'NODATA', answers: [] });
    expect(by('ads.doubleclick.net')).toMatchObject({ status: 'blocked', blocked: true, answers: ['0.0.0.0'], client: '192.168.1.11' });
    expect(by('tracker.example.org')).toMatchObject({ blocked: true });
    expect(by('bad.example.org')).toMatchObject({ blocked: true, rcode: 'NXDOMAIN' });
    expect(by('pi.hole')).toMatchObject({ status: 'local', answers: ['192.168.1.2'] });
    expect(by('txt.example.com', 'TXT')).toMatchObject({ client: 'fe80::1', answers: ['TXT'], upstream: '9.9.9.9' });
    expect(by('svc.example.com', 'HTTPS')).toMatchObject({ rcode: 'NXDOMAIN' });
    // split at the LAST " from " / " is ": a hostile name stays whole
    expect(by('a is b from c')).toMatchObject({ client: '192.168.1.14', answers: ['192.0.2.7'] });
    // log-queries=extra: joined by serial number, including dnsmasq's "config error is REFUSED"
    expect(by('mail.example.com', 'MX')).toMatchObject({ client: '192.168.1.16', answers: ['MX'], upstream: '1.0.0.1' });
    expect(by('refused.example.com')).toMatchObject({ rcode: 'REFUSED' });
    // hostname in the syslog prefix; PTR
    expect(by('10.1.168.192.in-addr.arpa', 'PTR')).toMatchObject({ answers: ['printer.lan'] });
    // unanswered queries are emitted after maxWaitMs (0 here) with what is known
    expect(by('nothing-answers.example.com')).toMatchObject({ status: 'unknown', answers: [] });
    expect(out.some((q) => q.name === 'edge.example.net')).toBe(false); // CNAME target: not a query
    expect(out.some((q) => q.name === 'from-a-name.example.com')).toBe(false); // client is not an IP: bad record
    expect(bad).toBe(2); // the non-dnsmasq line and the broken query line
    expect(a.counters.bad).toBe(1);
    expect(a.counters.orphans).toBe(1);
    expect(out).toHaveLength(13);
  });

  it('reads a syslog date in the past year around New Year', () => {
    const jan2 = new Date(2026, 0, 2, 0, 0, 5).getTime();
    const e = parseLogLine('Dec 31 23:59:59 dnsmasq[1]: query[A] x.example.com from 10.0.0.1', jan2);
    expect(e).toMatchObject({ kind: 'query', timeMs: new Date(2025, 11, 31, 23, 59, 59).getTime() });
  });

  it('never throws on junk and bounds everything', () => {
    const junk = ['', ' ', 'Jan', 'Jan 1 00:00:00 dnsmasq[1]:', 'Feb 30 99:99:99 dnsmasq[1]: query[A] x from 1.2.3.4', `Jan 24 19:13:19 dnsmasq[39]: query[A] ${'a'.repeat(5000)} from 1.2.3.4`, '\u0000\u001b[2J', 'Jan 24 19:13:19 dnsmasq[39]: reply'];
    for (const l of junk) expect(() => parseLogLine(l, NOW)).not.toThrow();
    const { out } = assemble([`Jan 24 19:13:19 dnsmasq[39]: query[A] ${'x'.repeat(600)}.example.com from 1.2.3.4`, `Jan 24 19:13:19 dnsmasq[39]: query[A] a\u001b[2Jb.example.com from 1.2.3.4`], NOW, 0);
    expect(out[0]?.name.length).toBeLessThanOrEqual(255);
    expect(out[1]?.name).toBe('a\\x1b[2jb.example.com');
  });

  it('waits for answer lines that arrive in a later read, then emits once', () => {
    const a = createDnsmasqAssembler({ maxPending: 10, maxWaitMs: 5000 });
    const out: DnsQuery[] = [];
    a.push(parseLogLine('Jan 24 19:13:19 dnsmasq[39]: query[A] slow.example.com from 10.0.0.2', NOW), NOW, out);
    a.push(parseLogLine('Jan 24 19:13:19 dnsmasq[39]: forwarded slow.example.com to 1.1.1.1', NOW), NOW, out);
    a.flush(NOW + 1000, out);
    expect(out).toHaveLength(0);
    a.push(parseLogLine('Jan 24 19:13:20 dnsmasq[39]: reply slow.example.com is 192.0.2.9', NOW), NOW + 1500, out);
    a.flush(NOW + 1500, out);
    expect(out).toMatchObject([{ name: 'slow.example.com', answers: ['192.0.2.9'], status: 'forwarded' }]);
    a.flush(NOW + 60_000, out);
    expect(out).toHaveLength(1);
  });

  it('caps open queries: the oldest is emitted and counted', () => {
    const a = createDnsmasqAssembler({ maxPending: 3, maxWaitMs: 60_000 });
    const out: DnsQuery[] = [];
    for (let i = 0; i < 10; i++) a.push(parseLogLine(`Jan 24 19:13:19 dnsmasq[39]: query[A] n${i}.example.com from 10.0.0.2`, NOW), NOW, out);
    expect(a.pending).toBe(3);
    expect(a.counters.overflow).toBe(7);
    expect(out.map((q) => q.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `n${i}.example.com`));
  });
});

describe('dnsmasq log source on a file', () => {
  it('reads from the start when asked, counts bad lines and survives truncation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-dnslog-'));
    const file = path.join(dir, 'pihole.log');
    try {
      fs.copyFileSync(path.join(HERE, 'testdata', 'pihole.log'), file);
      const src = createDnsmasqLogSource({ dns_log_path: file }, { clock: createSystemClock() }, { startAtEnd: false, maxWaitMs: 0 });
      const first = await src.poll();
      expect(first.length).toBe(13);
      expect(src.status()).toMatchObject({ state: 'ok', badRecords: 3 });
      fs.writeFileSync(file, 'Jan 24 20:00:00 dnsmasq[39]: query[A] after-truncate.example.com from 10.0.0.9\nJan 24 20:00:00 dnsmasq[39]: cached after-truncate.example.com is 192.0.2.1\n');
      const second = await src.poll();
      expect(second.map((q) => q.name)).toEqual(['after-truncate.example.com']);
      expect(src.status().counters.truncations).toBe(1);
      await src.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
