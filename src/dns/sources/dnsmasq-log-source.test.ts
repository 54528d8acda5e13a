import { spawn, type ChildProcess } from 'node:child_process';
import { promises as dnsp } from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { freeUdpPort, rawDnsQuery, sendRawQuery } from '../test-kit.js';
import type { DnsQuery, DnsSource } from '../types.js';
import { createDnsmasqLogSource } from './dnsmasq-log-source.js';

const DNSMASQ = '/usr/sbin/dnsmasq';
const HAVE_DNSMASQ = fs.existsSync(DNSMASQ);
const HOSTILE = '<img src=x onerror=alert(1)>.example.test';

describe.skipIf(!HAVE_DNSMASQ)('dnsmasq log source against a real dnsmasq (Debian) on loopback', () => {
  let dir = '';
  let logFile = '';
  let port = 0;
  let child: ChildProcess | undefined;
  let resolver: dnsp.Resolver;
  let source: DnsSource;
  const seen: DnsQuery[] = [];

  /** Polls until `want` returns true for the records seen so far (at most 8 s). */
  const pollUntil = async (want: (all: DnsQuery[]) => boolean): Promise<void> => {
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      seen.push(...(await source.poll()));
      if (want(seen)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out; records so far: ${JSON.stringify(seen.map((q) => `${q.type} ${q.name}`))}`);
  };
  const has = (name: string, type: string) => (all: DnsQuery[]) => all.some((q) => q.name === name && q.type === type);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-dnsmasq-'));
    logFile = path.join(dir, 'dnsmasq.log');
    port = await freeUdpPort();
    // Answers locally only: --no-resolv (no upstream), --local=/test/ (unknown .test names are NXDOMAIN).
    child = spawn(
      DNSMASQ,
      [
        '--no-daemon',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--conf-file=/dev/null',
        '--pid-file=',
        `--user=${os.userInfo().username}`,
        '--log-queries=extra',
        `--log-facility=${logFile}`,
        '--local=/test/',
        '--address=/example.test/192.0.2.1',
        '--address=/example.test/2001:db8::1',
        '--txt-record=txt.example.test,hello',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 5000;
    while (!(fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('started'))) {
      if (Date.now() > deadline) throw new Error('dnsmasq did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    resolver = new dnsp.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    source = createDnsmasqLogSource({ dns_log_path: logFile }, { clock: createSystemClock() }, { maxWaitMs: 2000 });
    await source.start();
    await source.poll(); // opens the log at its end: only queries from now on
  });

  afterAll(async () => {
    await source?.stop();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('turns real queries into matching DnsQuery records (A, AAAA, TXT, NXDOMAIN, a hostile name)', async () => {
    const before = Date.now();
    expect(await resolver.resolve4('www.example.test')).toEqual(['192.0.2.1']);
    expect(await resolver.resolve6('www.example.test')).toEqual(['2001:db8::1']);
    expect(await resolver.resolveTxt('txt.example.test')).toEqual([['hello']]);
    await expect(resolver.resolve4('missing.other.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await sendRawQuery(port, rawDnsQuery(HOSTILE, 1))).toBeDefined();

    await pollUntil((all) => has('www.example.test', 'A')(all) && has('www.example.test', 'AAAA')(all) && has('txt.example.test', 'TXT')(all) && has('missing.other.test', 'A')(all) && has(HOSTILE, 'A')(all));
    const get = (name: string, type: string) => seen.find((q) => q.name === name && q.type === type) as DnsQuery;

    expect(get('www.example.test', 'A')).toMatchObject({ client: '127.0.0.1', status: 'local', blocked: false, rcode: 'NOERROR', answers: ['192.0.2.1'] });
    expect(get('www.example.test', 'AAAA')).toMatchObject({ client: '127.0.0.1', rcode: 'NOERROR', answers: ['2001:db8::1'] });
    expect(get('txt.example.test', 'TXT')).toMatchObject({ answers: ['TXT'] });
    expect(get('missing.other.test', 'A')).toMatchObject({ rcode: 'NXDOMAIN', answers: [] });
    // The hostile name stays exactly this plain text (views escape it); nothing was interpreted.
    expect(get(HOSTILE, 'A').name).toBe(HOSTILE);
    for (const q of seen) {
      // syslog time has 1 s resolution and no zone: it is read as local time
      expect(q.timeMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(q.timeMs).toBeLessThanOrEqual(Date.now() + 1000);
    }
    expect(source.status()).toMatchObject({ kind: 'dnsmasq_log', state: 'ok', badRecords: 0 });
  });

  it('keeps following the log after it is rotated (rename + SIGUSR2 reopen), losing no line', async () => {
    const rotations = source.status().counters.rotations ?? 0;
    fs.renameSync(logFile, `${logFile}.1`);
    // Still written to the renamed file: dnsmasq has not reopened yet.
    expect(await resolver.resolve4('before-reopen.example.test')).toEqual(['192.0.2.1']);
    child?.kill('SIGUSR2'); // dnsmasq closes and reopens its log file
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(logFile)) {
      if (Date.now() > deadline) throw new Error('dnsmasq did not reopen its log');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await resolver.resolve4('after-reopen.example.test')).toEqual(['192.0.2.1']);
    await pollUntil((all) => has('before-reopen.example.test', 'A')(all) && has('after-reopen.example.test', 'A')(all));
    expect(source.status().counters.rotations).toBe(rotations + 1);

    // and a second rotation, to be sure the new file is really followed
    fs.renameSync(logFile, `${logFile}.2`);
    child?.kill('SIGUSR2');
    while (!fs.existsSync(logFile)) await new Promise((r) => setTimeout(r, 20));
    expect(await resolver.resolve4('third-file.example.test')).toEqual(['192.0.2.1']);
    await pollUntil(has('third-file.example.test', 'A'));
    expect(source.status().counters.rotations).toBe(rotations + 2);
    // every query was reported exactly once
    const names = seen.map((q) => `${q.type} ${q.name}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
