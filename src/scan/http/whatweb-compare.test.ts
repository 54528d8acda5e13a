/**
 * Oracle test: Debian's WhatWeb fingerprints each recorded response, replayed by a loopback
 * server, and homesec must find at least the technologies of its list that WhatWeb finds (with
 * the same version when both give one). Skipped when whatweb is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintHttp } from './fingerprint.js';
import { loadFixtures, startReplayServer, type ReplayServer } from './test-kit.js';

const run = promisify(execFile);
const hasWhatweb = spawnSync('sh', ['-c', 'command -v whatweb'], { encoding: 'utf8' }).status === 0;

/**
 * WhatWeb vocabulary → homesec rule names, for the technologies of the reference list. A
 * plugin maps directly, or through a regex on the plugin's reported string.
 */
const VOCABULARY: { plugin: string; string?: RegExp; name: string }[] = [
  { plugin: 'WordPress', name: 'WordPress' },
  { plugin: 'MetaGenerator', string: /^WooCommerce\b/, name: 'WooCommerce' },
  { plugin: 'Joomla', name: 'Joomla' },
  { plugin: 'MetaGenerator', string: /^Joomla!/, name: 'Joomla' },
  { plugin: 'Drupal', name: 'Drupal' },
  { plugin: 'Magento', name: 'Magento' },
  { plugin: 'Apache-Tomcat', name: 'Apache Tomcat' },
  { plugin: 'Microsoft-IIS', name: 'IIS' },
  { plugin: 'HTTPServer', string: /^Caddy\b/, name: 'Caddy' },
  { plugin: 'Varnish', name: 'Varnish' },
  { plugin: 'HAProxy', name: 'HAProxy' },
  { plugin: 'Grafana', name: 'Grafana' },
  { plugin: 'GitLab', name: 'GitLab' },
  { plugin: 'Jenkins', name: 'Jenkins' },
  { plugin: 'phpMyAdmin', name: 'phpMyAdmin' },
  { plugin: 'Synology-DiskStation', name: 'Synology DiskStation' },
  { plugin: 'ElasticSearch', name: 'Elasticsearch' },
  { plugin: 'PHP', name: 'PHP' },
  { plugin: 'X-Powered-By', string: /^Express$/, name: 'Express' },
  { plugin: 'ASP_NET', name: 'Microsoft ASP.NET' },
  { plugin: 'Apache', name: 'Apache HTTP Server' },
  { plugin: 'nginx', name: 'Nginx' },
  { plugin: 'lighttpd', name: 'lighttpd' },
];

interface WhatwebPlugin {
  string?: string[];
  version?: string[];
}
interface WhatwebEntry {
  target: string;
  plugins: Record<string, WhatwebPlugin>;
}

/** homesec names (with WhatWeb's versions) of what WhatWeb reported in `entries`. */
function mapped(entries: WhatwebEntry[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of entries) {
    for (const [plugin, data] of Object.entries(entry.plugins)) {
      for (const v of VOCABULARY) {
        if (v.plugin !== plugin) continue;
        if (v.string && !(data.string ?? []).some((s) => v.string!.test(s))) continue;
        out.set(v.name, [...(out.get(v.name) ?? []), ...(data.version ?? [])]);
      }
    }
  }
  return out;
}

describe.skipIf(!hasWhatweb)('homesec finds at least what WhatWeb finds', () => {
  const fixtures = loadFixtures();
  let servers: ReplayServer[] = [];
  let entries: WhatwebEntry[] = [];

  beforeAll(async () => {
    servers = await Promise.all(fixtures.map((f) => startReplayServer(f)));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-whatweb-'));
    const log = path.join(dir, 'log.json');
    try {
      await run('whatweb', ['--color=never', '--no-errors', '--quiet', '--max-redirects=1', `--log-json=${log}`, ...servers.map((s) => s.url)], { timeout: 60_000 });
      entries = JSON.parse(fs.readFileSync(log, 'utf8')) as WhatwebEntry[];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('whatweb answered for every fixture', () => {
    for (const s of servers) expect(entries.some((e) => e.target.startsWith(`http://127.0.0.1:${s.port}/`)), s.url).toBe(true);
  });

  it('identifies technologies from the list in most fixtures (the oracle is not vacuous)', () => {
    const withHits = servers.filter((s) => mapped(entries.filter((e) => e.target.startsWith(`http://127.0.0.1:${s.port}/`))).size > 0);
    expect(withHits.length).toBeGreaterThanOrEqual(fixtures.length / 2);
  });

  it.each(fixtures.map((f, i) => [f.technology, i] as const))('%s', (_name, i) => {
    const fixture = fixtures[i]!;
    const server = servers[i]!;
    const theirs = mapped(entries.filter((e) => e.target.startsWith(`http://127.0.0.1:${server.port}/`)));
    const ours = fingerprintHttp({ ...fixture, url: server.url });
    for (const [name, versions] of theirs) {
      const tech = ours.find((t) => t.name === name);
      expect(tech, `whatweb found ${name}; homesec found ${ours.map((t) => t.name).join(', ')}`).toBeDefined();
      if (versions.length > 0) expect(versions, `${name} version`).toContain(tech?.version);
    }
  });
});
