/**
 * The demo intel server read by homesec's own clients: the NVD client (CPE and keyword
 * searches, paging), the KEV client and the blocklist feed (with a conditional refresh).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../core/clock.js';
import { httpGet } from '../intel/http.js';
import { parseFeed } from '../intel/feeds/parse.js';
import { fetchKevCatalog } from '../vuln/kev-client.js';
import { cpeMatchString, createNvdClient } from '../vuln/nvd-client.js';
import { INTEL_PATHS } from './demo-config.js';
import { startIntelServer, type IntelServer } from './intel-server.js';
import { PEERS } from './scenario.js';

let server: IntelServer;
const clock = createSystemClock();
beforeAll(async () => {
  server = await startIntelServer();
});
afterAll(async () => {
  await server.close();
});

describe('demo intel server', () => {
  it('answers NVD CPE searches with the matching records, paged like NVD', async () => {
    const nvd = createNvdClient({ baseUrl: `${server.url}${INTEL_PATHS.nvd}`, resultsPerPage: 2, rateLimit: 100 }, { clock });
    const ssh = await nvd.fetch({ kind: 'cpe', value: cpeMatchString('openbsd:openssh') });
    expect(ssh.ok && ssh.value.records.map((r) => r.id).sort()).toEqual(['CVE-2021-41617', 'CVE-2023-38408', 'CVE-2023-51385', 'CVE-2024-6387']);
    expect(nvd.stats().pages).toBe(2);
    const ftp = await nvd.fetch({ kind: 'cpe', value: cpeMatchString('vsftpd_project:vsftpd') });
    expect(ftp.ok && ftp.value.records.map((r) => r.id)).toEqual(['CVE-2021-3618']);
    const none = await nvd.fetch({ kind: 'cpe', value: cpeMatchString('beasts:vsftpd') });
    expect(none.ok && none.value.records).toEqual([]);
    const kw = await nvd.fetch({ kind: 'keyword', value: 'Mosquitto broker' });
    expect(kw.ok && kw.value.records.map((r) => r.id)).toEqual(['CVE-2023-28366']);
    const apache = await nvd.fetch({ kind: 'cpe', value: cpeMatchString('apache:http_server') });
    expect(apache.ok && apache.value.records[0]).toMatchObject({ id: 'CVE-2021-41773', cvss: { score: 7.5 } });
  });

  it('refuses an NVD query without a search, and serves KEV and the blocklist with a working ETag', async () => {
    const bad = await httpGet(`${server.url}${INTEL_PATHS.nvd}?resultsPerPage=1`, { timeoutMs: 5000, maxBytes: 1e6, clock });
    expect(bad.ok && bad.value.status).toBe(400);
    const kev = await fetchKevCatalog({ url: `${server.url}${INTEL_PATHS.kev}`, clock });
    expect(kev.ok && kev.value.entries.map((e) => e.cveID)).toEqual(['CVE-2021-41773', 'CVE-2021-42013']);
    const feed = await httpGet(`${server.url}${INTEL_PATHS.feed}`, { timeoutMs: 5000, maxBytes: 1e6, clock });
    expect(feed.ok).toBe(true);
    if (!feed.ok) return;
    expect(parseFeed(feed.value.body, 'demo').ips).toContain(PEERS.listedC2);
    const again = await httpGet(`${server.url}${INTEL_PATHS.feed}`, { timeoutMs: 5000, maxBytes: 1e6, clock, headers: { 'if-none-match': feed.value.headers.get('etag') ?? '' } });
    expect(again.ok && again.value.status).toBe(304);
    expect(server.requests[INTEL_PATHS.feed]).toBe(2);
  });
});
