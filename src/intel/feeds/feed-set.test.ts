import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/fake-clock.js';
import { fixture, send, startServer, tempDb, type TestServer } from '../test-kit.js';
import { createFeedSet, feedName, rejectReason } from './feed-set.js';
import { parseFeed } from './parse.js';

let server: TestServer;
let t: ReturnType<typeof tempDb>;
let answer: (path: string, headers: Record<string, string | string[] | undefined>) => [number, string, Record<string, string>];

beforeEach(async () => {
  t = tempDb();
  server = await startServer((req, res) => {
    const [status, body, headers] = answer(req.url ?? '', req.headers);
    send(res, status, body, { 'content-type': 'text/plain', ...headers });
  });
});
afterEach(async () => {
  await server.close();
  t.cleanup();
});

const opts = { timeoutMs: 5000, maxBytes: 1024 * 1024 };

describe('feed set', () => {
  it('downloads, matches, then refreshes conditionally (ETag, If-Modified-Since) and keeps the copy on 304', async () => {
    answer = (_p, h) => (h['if-none-match'] === '"v1"' ? [304, '', {}] : [200, fixture('feodo-ipblocklist.txt'), { etag: '"v1"', 'last-modified': 'Thu, 01 Jan 2026 10:00:00 GMT' }]);
    const clock = new FakeClock();
    const fs = createFeedSet([`${server.url}/downloads/ipblocklist.txt`], opts, { db: t.db, clock });
    fs.load();
    expect(fs.matcher().matchIp('203.0.113.9')).toBeUndefined();
    await fs.refresh();
    expect(fs.matcher().matchIp('203.0.113.9')).toEqual(['127.0.0.1/downloads/ipblocklist.txt']);
    await clock.advance(3_600_000);
    await fs.refresh();
    expect(server.requests[1]?.headers['if-none-match']).toBe('"v1"');
    expect(server.requests[1]?.headers['if-modified-since']).toBe('Thu, 01 Jan 2026 10:00:00 GMT');
    expect(fs.matcher().matchIp('203.0.113.9')).toBeDefined();
    expect(fs.status()[0]).toMatchObject({ notModified: 1, failures: 0, entries: { ips: 3, cidrs: 0, domains: 0 }, fetchedMs: clock.now() - 3_600_000 });
  });

  it('keeps the last good copy when a refresh fails (5xx, HTML page, garbage) and across a restart', async () => {
    const bad: [number, string, Record<string, string>][] = [
      [503, 'down', {}],
      [200, '<html><body>Captive portal: please log in</body></html>', { 'content-type': 'text/html' }],
      [200, 'lorem ipsum dolor\n'.repeat(50), {}],
    ];
    let n = 0;
    answer = () => (n++ === 0 ? [200, fixture('urlhaus-hostfile.txt'), {}] : (bad[(n - 2) % bad.length] as [number, string, Record<string, string>]));
    const clock = new FakeClock();
    const url = `${server.url}/downloads/hostfile/`;
    const fs = createFeedSet([url], opts, { db: t.db, clock });
    fs.load();
    await fs.refresh();
    expect(fs.matcher().matchDomain('x.malware.example.com')).toEqual(['127.0.0.1/downloads/hostfile']);
    for (let i = 0; i < bad.length; i++) {
      await fs.refresh();
      expect(fs.matcher().matchDomain('malware.example.com'), `refresh ${i}`).toBeDefined();
    }
    expect(fs.status()[0]?.failures).toBe(3);
    expect(fs.status()[0]?.lastError).toMatch(/kept the last good copy/);

    // restart: the copy comes from SQLite, before any network
    const again = createFeedSet([url], opts, { db: t.reopen(), clock });
    again.load();
    expect(again.matcher().matchDomain('malware.example.com')).toBeDefined();
    expect(server.requests.length).toBe(4);
  });

  it('knows when a feed is due, across a restart (a 304 counts as confirmed)', async () => {
    answer = (_p, h) => (h['if-none-match'] === '"v1"' ? [304, '', {}] : [200, '198.51.100.1\n', { etag: '"v1"' }]);
    const clock = new FakeClock();
    const url = `${server.url}/list.txt`;
    const fs = createFeedSet([url, `${server.url}/other.txt`], opts, { db: t.db, clock });
    fs.load();
    expect(fs.nextDueMs(3_600_000)).toBe(0);
    expect((await fs.refresh()).map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const t1 = clock.now();
    await clock.advance(1_800_000);
    expect((await fs.refresh()).map((r) => r.outcome)).toEqual(['not_modified', 'not_modified']);
    const again = createFeedSet([url, `${server.url}/other.txt`], opts, { db: t.reopen(), clock });
    again.load();
    expect(again.nextDueMs(3_600_000)).toBe(t1 + 1_800_000 + 3_600_000);
    expect(again.status()[0]).toMatchObject({ fetchedMs: t1, lastSuccessMs: t1 + 1_800_000 });
  });

  it('an unreachable feed is a counted failure, not a crash', async () => {
    answer = () => [200, '', {}];
    const url = server.url;
    await server.close();
    server = await startServer(() => {});
    const fs = createFeedSet([`${url}/gone.txt`], opts, { db: t.db, clock: new FakeClock() });
    fs.load();
    await fs.refresh();
    expect(fs.status()[0]).toMatchObject({ failures: 1, lastError: 'network: ECONNREFUSED' });
  });

  it('a feed of comments only is a legitimate empty list', () => {
    expect(rejectReason(parseFeed('# nothing listed today\n', 'x'), 'text/plain')).toBeUndefined();
    expect(rejectReason(parseFeed('<html>\n', 'x'), 'text/plain')).toBe('no usable entries');
  });

  it('names feeds by host and path, never by query string or credentials', () => {
    expect(feedName('https://user:pw@feeds.example/list.txt?key=SECRET')).toBe('feeds.example/list.txt');
    expect(feedName('https://urlhaus.abuse.ch/downloads/hostfile/')).toBe('urlhaus.abuse.ch/downloads/hostfile');
  });
});
