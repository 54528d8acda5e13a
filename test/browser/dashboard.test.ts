/**
 * The dashboard in Debian's Chromium against the real daemon (CLI child process) on a seeded
 * data directory (support/seed.ts): login, every view with its seeded data (screenshots under
 * test-artifacts/screenshots/), the network map and its filters, a live update arriving over
 * SSE, the polling fallback, the CVE modal (focus trap, Escape), host and external-IP
 * details, dismiss and role change surviving a daemon restart, phone width, the dark theme,
 * the /api/homesec/panel/ fallback URL, the Blocking view (manual block in dry run, a guard
 * refusal, live refresh, unblock, release all, Block… from Findings and External IPs), and
 * no CSP violation or page error anywhere.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphResponse } from '../../src/api/contract.js';
import { encodeV9 } from '../../src/flow/encode/index.js';
import type { Daemon } from '../support/daemon.js';
import { launchChromium, screenshot, type Browser } from './support/chromium.js';
import { countIs, login, openView, until, VIEW_IDS, waitForInventory } from './support/dashboard.js';
import type { BlockActiveResponse, BlockAuditResponse, BlockResultView } from '../../src/api/contract.js';
import { apiGet, apiPost, BLOCKLIST_TOKEN, NET, PORT_SCAN_KEY, seedDashboard, type Seeded } from './support/seed.js';
import { ensureWebBuilt } from './support/web-build.js';

let seeded: Seeded;
let daemon: Daemon | undefined;
let b: Browser;

beforeAll(async () => {
  await ensureWebBuilt();
  seeded = await seedDashboard();
  daemon = await seeded.start();
  await waitForInventory(seeded);
  b = await launchChromium();
}, 240_000);

afterAll(async () => {
  await b?.close();
  if (daemon) await seeded.stop(daemon);
  await seeded?.close();
});

const canvasData = (key: string) => b.page.getByTestId('map-canvas').getAttribute(`data-${key}`);

describe.sequential('dashboard in Chromium', () => {
  it('login refuses a wrong password, shows the first-run hint, and opens the overview with the right one', async () => {
    const p = b.page;
    await p.goto(seeded.url);
    await p.getByTestId('login-form').waitFor();
    await screenshot(p, 'login');
    await p.getByText('First start?').click();
    await expect(p.getByText('homesec_initial_password').isVisible()).resolves.toBe(true);
    await p.fill('input[name=password]', 'not-the-password');
    await p.click('button[type=submit]');
    await p.getByText('Wrong password.').waitFor();
    await login(p, seeded.url, seeded.password);
    // The first login removes the first-run password file.
    expect(fs.existsSync(path.join(seeded.dir, 'homesec_initial_password'))).toBe(false);
  });

  it('every view renders its seeded data', async () => {
    const p = b.page;
    await openView(p, seeded.url, 'overview');
    const stats = p.getByTestId('overview-stats');
    await expect(stats.getByText('Active devices').isVisible()).resolves.toBe(true);
    await until('device counts', async () => ((await stats.textContent())?.includes('7 known') ? true : undefined));
    await expect(p.getByTestId('scan-card').textContent()).resolves.toContain('5 of 8 targets');
    await expect(p.getByTestId('trigger-scan').isDisabled()).resolves.toBe(true); // scanner off in the test config
    await expect(p.getByTestId('collector-card').textContent()).resolves.toContain(`udp://127.0.0.1:${seeded.udpPort}`);
    await expect(p.getByTestId('recent-alerts').textContent()).resolves.toContain(`Port scan from ${NET.scanner}`);
    const chips = p.getByTestId('nvd-keywords').locator('li.chip');
    expect(await chips.count()).toBeGreaterThan(10);
    expect(await p.getByTestId('nvd-keywords').locator('li.chip.src-custom').count()).toBeGreaterThan(0);
    expect(await p.getByTestId('nvd-keywords').locator('li.chip.src-product_map').count()).toBeGreaterThan(0);
    await expect(p.getByTestId('demo-banner').count()).resolves.toBe(0);
    await screenshot(p, 'overview');

    await openView(p, seeded.url, 'map');
    await until('map nodes', async () => ((await canvasData('nodes')) === '11' ? true : undefined));
    await countIs(p.getByTestId('top-external').locator('li'), 4);
    await p.waitForTimeout(1500); // let the layout settle for the screenshot
    await screenshot(p, 'network-map');

    await openView(p, seeded.url, 'hosts');
    await countIs(p.getByTestId('host-row'), 7);
    await expect(p.locator(`[data-testid=host-row][data-ip="${NET.nas}"]`).textContent()).resolves.toContain('Synology');
    await p.getByPlaceholder('Search name, IP, MAC, vendor, service…').fill('synology');
    await countIs(p.getByTestId('host-row'), 1);
    await p.getByPlaceholder('Search name, IP, MAC, vendor, service…').fill('');
    await p.getByRole('button', { name: /^IP/ }).click(); // IP is sorted ascending: now descending
    await expect(p.getByTestId('host-row').first().getAttribute('data-ip')).resolves.toBe(NET.scanner);
    await screenshot(p, 'hosts');

    await openView(p, seeded.url, 'findings');
    await expect(p.locator(`[data-key="${PORT_SCAN_KEY}"]`).isVisible()).resolves.toBe(true);
    const all = await p.getByTestId('finding').count();
    await p.getByTestId('severity-filter').getByRole('button', { name: 'Critical' }).click();
    expect(await p.getByTestId('finding').count()).toBeLessThan(all);
    await p.getByTestId('severity-filter').getByRole('button', { name: 'All' }).click();
    await screenshot(p, 'findings');

    await openView(p, seeded.url, 'external');
    await countIs(p.getByTestId('external-row'), 4);
    await expect(p.locator(`[data-testid=external-row][data-ip="${NET.hostilePeer}"]`).textContent()).resolves.toMatch(/high · 95/i);
    await p.getByRole('button', { name: 'Flagged only' }).click();
    await countIs(p.getByTestId('external-row'), 2);
    await p.getByRole('button', { name: 'All', exact: true }).click();
    await countIs(p.getByTestId('external-row'), 4);
    await screenshot(p, 'external-ips');

    await openView(p, seeded.url, 'vulnerabilities');
    await until('CVE rows', async () => ((await p.getByTestId('cve-row').count()) >= 5 ? true : undefined));
    // "not detected" rows are dimmed; detected ones are not.
    const dimmed = p.locator('[data-testid=cve-row].dim');
    expect(await dimmed.count()).toBeGreaterThan(0);
    await expect(dimmed.first().getByTestId('not-detected').isVisible()).resolves.toBe(true);
    await expect(p.locator('[data-testid=cve-row][data-cve="CVE-2024-6387"]').evaluate((el) => el.classList.contains('dim'))).resolves.toBe(false);
    await p.getByLabel('Detected only').check();
    await until('detected filter', async () => ((await p.locator('[data-testid=cve-row].dim').count()) === 0 ? true : undefined));
    await p.getByLabel('Detected only').uncheck();
    await until('all CVEs again', async () => ((await p.locator('[data-testid=cve-row].dim').count()) > 0 ? true : undefined));
    await screenshot(p, 'vulnerabilities');

    await openView(p, seeded.url, 'recommendations');
    expect(await p.getByTestId('recommendation').count()).toBeGreaterThan(0);
    await screenshot(p, 'recommendations');
  });

  it('the network map draws nodes, its filters change what is drawn, and a live update adds a node', async () => {
    const p = b.page;
    const g = await apiGet<GraphResponse>(seeded.url, seeded.password, 'api/graph?max_external=50');
    const ext = new Set(g.nodes.filter((n) => n.kind === 'external').map((n) => n.id));
    const talk = new Set<string>();
    for (const e of g.edges) if (ext.has(e.source) || ext.has(e.target)) talk.add(e.source).add(e.target);
    const expected = {
      All: g.nodes.length,
      Scanned: g.nodes.filter((n) => n.kind === 'device' && n.scanned).length,
      'Flow only': g.nodes.filter((n) => n.kind === 'device' && n.flowOnly).length,
      External: g.nodes.filter((n) => ext.has(n.id) || talk.has(n.id)).length,
    };
    expect(new Set(Object.values(expected)).size).toBe(4); // the seed makes every filter different
    await openView(p, seeded.url, 'map');
    await until('map nodes', async () => ((await canvasData('nodes')) === String(expected.All) ? true : undefined));
    // The layout runs in its module worker (a same-origin file the CSP allows).
    await expect(canvasData('layout')).resolves.toBe('worker');
    for (const [label, n] of Object.entries(expected)) {
      await p.getByTestId('map-filter').getByRole('button', { name: label, exact: true }).click();
      await until(`${label}: ${n} nodes`, async () => ((await canvasData('nodes')) === String(n) ? true : undefined), 5000);
      if (label === 'Scanned' || label === 'Flow only') await expect(canvasData('external')).resolves.toBe('0');
      if (label === 'External') await expect(canvasData('external')).resolves.toBe(String(ext.size));
    }
    await p.getByTestId('map-filter').getByRole('button', { name: 'All', exact: true }).click();
    await p.waitForTimeout(1200);
    // Something was painted: the canvas holds more than the background colour.
    const colours = await p.getByTestId('map-canvas').evaluate((el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      if (d) for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(5);
    // Clicking a node in the list selects it.
    await p.getByText(/Nodes drawn, as a list/).click();
    await p.getByTestId('map-node-list').getByRole('button', { name: 'openwrt' }).click();
    await expect(p.getByTestId('map-selected-facts').textContent()).resolves.toContain(NET.gateway);
    // Zoom and pan from the keyboard change the view without errors.
    await p.getByTestId('map-canvas').focus();
    for (const k of ['+', '+', 'ArrowLeft', 'ArrowUp', '-', '0']) await p.keyboard.press(k);

    // A live update: new traffic to a new external peer reaches the map over SSE (flush 10 s).
    await expect(p.getByTestId('live-status').textContent()).resolves.toContain('Live');
    const before = Number(await canvasData('nodes'));
    const frames = Number(await canvasData('frames'));
    const now = Date.now();
    const sock = dgram.createSocket('udp4');
    for (const d of encodeV9(
      [{ ipVersion: 4, srcAddr: NET.phone, dstAddr: '203.0.113.99', srcPort: 51000, dstPort: 443, protocol: 6, bytes: 5_000_000, packets: 4000, tcpFlags: 0x1b, startMs: now - 4000, endMs: now - 1000, exporter: '127.0.0.1', inputIf: 1, outputIf: 2, samplingRate: 1 }],
      { sysUptimeMs: 7_200_000, unixMs: now, sequence: 100, sourceId: 0, includeTemplate: true },
    ))
      await new Promise<void>((r) => sock.send(d, seeded.udpPort, '127.0.0.1', () => r()));
    sock.close();
    await until('the new peer on the map', async () => (Number(await canvasData('nodes')) === before + 1 ? true : undefined), 60_000);
    expect(Number(await canvasData('frames'))).toBeGreaterThan(frames);
  }, 120_000);

  it('the map still draws when its layout worker cannot load (main-thread layout) and with reduced motion', async () => {
    const other = await launchChromium({ reducedMotion: 'reduce' });
    try {
      const p = other.page;
      let blocked = 0;
      await other.context.route('**/assets/layout-worker-*.js', (route) => {
        blocked++;
        return route.abort();
      });
      await login(p, seeded.url, seeded.password);
      await openView(p, seeded.url, 'map');
      const data = (k: string) => p.getByTestId('map-canvas').getAttribute(`data-${k}`);
      await until('all nodes drawn by the main-thread layout', async () => ((await data('layout')) === 'main' && Number(await data('nodes')) >= 11 ? true : undefined), 15_000);
      expect(blocked).toBeGreaterThan(0);
      await p.getByTestId('map-filter').getByRole('button', { name: 'External', exact: true }).click();
      await until('filter applied', async () => (Number(await data('external')) > 0 && Number(await data('devices')) < 7 ? true : undefined), 5000);
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('falls back to polling when the live-event stream is refused', async () => {
    const ctx = b.context;
    await ctx.route('**/api/events', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"too many live-event clients; poll instead"}' }));
    try {
      await b.page.reload();
      await b.page.getByTestId('view-map').waitFor();
      await until('polling mode', async () => ((await b.page.getByTestId('live-status').textContent())?.includes('Polling') ? true : undefined), 10_000);
    } finally {
      await ctx.unroute('**/api/events');
    }
  });

  it('the CVE modal opens with description and CPE criteria, keeps focus inside, and closes on Escape', async () => {
    const p = b.page;
    await openView(p, seeded.url, 'vulnerabilities');
    const open = p.locator('[data-testid=cve-row][data-cve="CVE-2024-6387"]').getByTestId('cve-open');
    await open.click();
    const modal = p.getByTestId('cve-modal');
    await modal.getByTestId('cve-description').waitFor();
    await expect(modal.getByTestId('cve-description').textContent()).resolves.toMatch(/regression \(CVE-2006-5051\)/);
    await expect(modal.getByTestId('cve-criteria').textContent()).resolves.toContain('cpe:2.3:a:openbsd:openssh');
    await expect(modal.textContent()).resolves.toContain(NET.server);
    await screenshot(p, 'cve-modal');
    for (let i = 0; i < 12; i++) {
      await p.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
      expect(await p.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true);
    }
    await p.keyboard.press('Escape');
    await modal.waitFor({ state: 'detached' });
    expect(p.url()).toMatch(/#\/vulnerabilities$/);
    // Findings link to the same modal.
    await openView(p, seeded.url, 'findings');
    await p.locator('[data-key^="vuln:192.168.1.10:22:CVE-2023-38408"]').getByRole('button', { name: 'CVE-2023-38408', exact: true }).click();
    await until('the KEV entry in the modal', async () => ((await p.getByTestId('cve-modal').textContent())?.includes('CISA Known Exploited Vulnerability') ? true : undefined));
    await p.getByRole('button', { name: 'Close' }).click();
    await p.getByTestId('cve-modal').waitFor({ state: 'detached' });
  });

  it('host details show scan services, CVEs and the DNS section; external IP details explain the rating', async () => {
    const p = b.page;
    await p.goto(`${seeded.url}#/hosts/${NET.server}`);
    const detail = p.getByTestId('host-detail');
    await detail.waitFor();
    await expect(detail.getByTestId('services-table').textContent()).resolves.toContain('OpenSSH 8.9p1');
    await until('CVEs of the server', async () => ((await detail.getByTestId('cve-section').textContent())?.includes('CVE-2024-6387') ? true : undefined));
    await expect(detail.getByTestId('dns-section').textContent()).resolves.toContain('example.org');
    await screenshot(p, 'host-detail');
    // Trusted toggle round trip.
    await detail.getByTestId('trusted-toggle').click();
    await until('trusted', async () => ((await detail.textContent())?.includes('Untrust') ? true : undefined));
    await detail.getByTestId('trusted-toggle').click();
    await until('untrusted', async () => ((await detail.textContent())?.includes('Mark trusted') ? true : undefined));

    await p.goto(`${seeded.url}#/external/${NET.hostilePeer}`);
    const ext = p.getByTestId('external-detail');
    await ext.waitFor();
    await expect(ext.getByTestId('rating-explain').textContent()).resolves.toMatch(/AbuseIPDB: abuse confidence 97%/);
    await ext.getByTestId('lookup').click();
    await until('lookup answer', async () => ((await ext.textContent())?.match(/providers were not asked|Looked up/) ? true : undefined));
    await screenshot(p, 'external-detail');
  });

  it('dismissing a finding and changing a role survive a daemon restart', async () => {
    const p = b.page;
    await openView(p, seeded.url, 'findings');
    const item = p.locator(`[data-key="${PORT_SCAN_KEY}"]`);
    await item.getByTestId('dismiss').click();
    await item.waitFor({ state: 'detached' });
    await openView(p, seeded.url, 'hosts');
    const row = p.locator(`[data-testid=host-row][data-ip="${NET.scanner}"]`);
    await row.getByTestId('role-select').selectOption('server');
    await until('role saved', async () => ((await row.textContent())?.includes('Saved') ? true : undefined));
    expect(fs.readFileSync(path.join(seeded.dir, 'homesec_dismissed.yaml'), 'utf8')).toContain(PORT_SCAN_KEY);
    expect(fs.readFileSync(path.join(seeded.dir, 'homesec_roles.yaml'), 'utf8')).toMatch(new RegExp(`${NET.scanner.replace(/\./g, '\\.')}: server`));

    await seeded.stop(daemon as Daemon);
    daemon = await seeded.start();
    await login(p, seeded.url, seeded.password); // sessions live in memory: log in again
    await openView(p, seeded.url, 'findings');
    await p.getByTestId('finding').first().waitFor();
    await countIs(p.locator(`[data-key="${PORT_SCAN_KEY}"]`), 0);
    await p.getByTestId('dismissed-filter').getByRole('button', { name: 'Dismissed' }).click();
    await expect(p.locator(`[data-key="${PORT_SCAN_KEY}"]`).getByTestId('undismiss').isVisible()).resolves.toBe(true);
    await openView(p, seeded.url, 'hosts');
    await expect(p.locator(`[data-testid=host-row][data-ip="${NET.scanner}"]`).getByTestId('role-select').inputValue()).resolves.toBe('server');
    // Restore the finding (undismiss persists too).
    await openView(p, seeded.url, 'findings');
    await p.getByTestId('dismissed-filter').getByRole('button', { name: 'Dismissed' }).click();
    await p.locator(`[data-key="${PORT_SCAN_KEY}"]`).getByTestId('undismiss').click();
    await p.locator(`[data-key="${PORT_SCAN_KEY}"]`).waitFor({ state: 'detached' });
    expect(fs.readFileSync(path.join(seeded.dir, 'homesec_dismissed.yaml'), 'utf8')).not.toContain(PORT_SCAN_KEY);
  }, 90_000);

  it('is served at /api/homesec/panel/ with the API beside it', async () => {
    const p = b.page;
    const apiCalls: string[] = [];
    p.on('request', (r) => {
      if (r.url().includes('/api/')) apiCalls.push(new URL(r.url()).pathname);
    });
    await p.goto(`${seeded.url}api/homesec/panel/#/hosts`);
    await p.getByTestId('view-hosts').waitFor();
    await countIs(p.getByTestId('host-row'), 7);
    expect(apiCalls.some((u) => u === '/api/hosts')).toBe(true);
    expect(apiCalls.filter((u) => u.startsWith('/api/homesec/panel/api/'))).toEqual([]);
    p.removeAllListeners('request');
  });

  it('phone width: no view scrolls sideways, the menu opens; the dark theme applies and persists', async () => {
    const phone = await launchChromium({ viewport: { width: 375, height: 812 }, colorScheme: 'dark' });
    try {
      const p = phone.page;
      await login(p, seeded.url, seeded.password);
      for (const v of VIEW_IDS) {
        await openView(p, seeded.url, v);
        await p.waitForTimeout(v === 'map' ? 1500 : 300);
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${v} scrolls sideways`).toBeLessThanOrEqual(1);
        await screenshot(p, `phone-dark-${v}`);
      }
      const bg = () => p.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(await bg()).toBe('rgb(15, 20, 27)'); // dark by prefers-color-scheme
      await p.getByRole('button', { name: 'Menu' }).click();
      await p.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Findings' }).click();
      await p.getByTestId('view-findings').waitFor();
      // Auto → Light: persisted across a reload.
      await p.getByTestId('theme-toggle').click();
      expect(await bg()).toBe('rgb(244, 246, 250)');
      await p.reload();
      await p.getByTestId('view-findings').waitFor();
      expect(await bg()).toBe('rgb(244, 246, 250)');
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.close();
    }
  }, 90_000);

  it('keyboard: the skip link and every navigation link are reachable with Tab and show a focus ring', async () => {
    const p = b.page;
    await openView(p, seeded.url, 'overview');
    await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const labels: string[] = [];
    for (let i = 0; i < 10; i++) {
      await p.keyboard.press('Tab');
      const info = await p.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { text: el.textContent ?? '', outline: getComputedStyle(el).outlineStyle };
      });
      labels.push(info.text);
      expect(info.outline).not.toBe('none');
    }
    for (const name of ['Overview', 'Network Map', 'Hosts', 'Findings', 'External IPs', 'Vulnerabilities', 'Recommendations', 'Blocking']) expect(labels).toContain(name);
  });

  it('blocking (dry run): a manual block with a reason, a guard refusal shown, live refresh, unblock, release all, Block… from other views', async () => {
    const p = b.page;
    // A public-looking address (the guards refuse documentation ranges); dry run and the
    // blocklist URL as the only target: nothing is ever sent to it.
    const ip = '45.33.100.7';
    const other = '45.33.100.8';
    const health = await (await fetch(`${seeded.url}health`)).json() as { block: { enabled: boolean; dry_run: boolean; paused: boolean; active: number } };
    expect(health.block).toMatchObject({ enabled: true, dry_run: true, paused: false });
    expect(health.block.active).toBe((await apiGet<BlockActiveResponse>(seeded.url, seeded.password, 'api/block/active')).blocks.length);

    await openView(p, seeded.url, 'blocking');
    await expect(p.getByTestId('block-state').textContent()).resolves.toContain('dry run');
    await expect(p.getByTestId('block-targets').textContent()).resolves.toContain('blocklist_url');
    const form = p.getByTestId('manual-block').getByTestId('block-form');
    await form.locator('input[name=value]').fill(ip);
    await form.locator('input[name=reason]').fill('Test: blocked by hand from the dashboard');
    await form.locator('input[name=ttl_minutes]').fill('30');
    await form.getByTestId('block-submit').click();
    await expect(form.getByTestId('block-result').textContent()).resolves.toMatch(/Blocked: 45\.33\.100\.7 .*dry run/);
    const row = p.locator(`[data-testid=block-row][data-value="${ip}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Test: blocked by hand from the dashboard.*manual/);
    await expect(row.getByText('dry run').isVisible()).resolves.toBe(true);
    await p.locator(`[data-testid=audit-row][data-action=block][data-value="${ip}"][data-result=dry_run]`).waitFor();
    const active = await apiGet<BlockActiveResponse>(seeded.url, seeded.password, 'api/block/active');
    const blk = active.blocks.find((x) => x.value === ip);
    expect(blk).toMatchObject({ kind: 'ip', source: 'manual', dryRun: true, reason: 'Test: blocked by hand from the dashboard' });
    expect((blk?.expiresMs ?? 0) - (blk?.createdMs ?? 0)).toBe(30 * 60_000);
    // Dry run never publishes: the blocklist URL stays empty of it.
    expect(await (await fetch(`${seeded.url}blocklist/${BLOCKLIST_TOKEN}/ips.txt`)).text()).not.toContain(ip);

    // A guard refusal is shown as such, and logged.
    await form.locator('input[name=value]').fill(NET.server);
    await form.locator('input[name=reason]').fill('should be refused');
    await form.locator('input[name=ttl_minutes]').fill('');
    await form.getByTestId('block-submit').click();
    const refused = form.getByTestId('block-refused');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toContain('Refused by a safety guard');
    expect(await refused.getAttribute('data-guard')).toMatch(/^(internal_network|non_public)$/);
    await p.locator(`[data-testid=audit-row][data-action=refuse][data-value="${NET.server}"]`).waitFor();
    await countIs(p.locator(`[data-testid=block-row][data-value="${NET.server}"]`), 0);

    // A block made elsewhere (a script) appears without a reload: the `blocking` live topic.
    const made = await apiPost<BlockResultView>(seeded.url, seeded.password, 'api/block', { value: other, reason: 'made by a script' });
    expect(made.status).toBe(200);
    await p.locator(`[data-testid=block-row][data-value="${other}"]`).waitFor({ timeout: 15_000 });
    await screenshot(p, 'blocking');

    // Unblock from its row.
    await p.locator(`[data-testid=block-row][data-value="${other}"]`).getByTestId('unblock').click();
    await p.locator(`[data-testid=block-row][data-value="${other}"]`).waitFor({ state: 'detached' });
    await p.locator(`[data-testid=audit-row][data-action=unblock][data-value="${other}"]`).waitFor();

    // Release all, behind the confirm dialog; it pauses automation until Resume.
    await p.getByTestId('release-all').click();
    const modal = p.getByTestId('release-all-modal');
    await modal.getByRole('button', { name: 'Cancel' }).click();
    await modal.waitFor({ state: 'detached' });
    await expect(row.isVisible()).resolves.toBe(true); // cancel released nothing
    await p.getByTestId('release-all').click();
    await modal.getByTestId('release-all-confirm').click();
    await expect(modal.getByTestId('release-all-done').textContent()).resolves.toContain('Released 1 block');
    await modal.getByRole('button', { name: 'Close', exact: true }).first().click();
    await modal.waitFor({ state: 'detached' });
    await countIs(p.getByTestId('block-row'), 0);
    await p.locator('[data-testid=audit-row][data-action=release_all]').waitFor();
    await p.getByTestId('block-paused').waitFor();
    expect(((await (await fetch(`${seeded.url}health`)).json()) as typeof health).block).toMatchObject({ paused: true, active: 0 });
    await p.getByTestId('block-resume').click();
    await p.getByTestId('block-paused').waitFor({ state: 'detached' });
    const audit = await apiGet<BlockAuditResponse>(seeded.url, seeded.password, 'api/block/audit?limit=100');
    expect(audit.entries.find((e) => e.action === 'block' && e.value === ip)).toMatchObject({ actor: 'api', result: 'dry_run' });

    // The audit log pages back with `before` (50 a page): 55 more refusals push the first entries to page 2.
    for (let i = 0; i < 55; i++) expect((await apiPost(seeded.url, seeded.password, 'api/block', { value: NET.nas, reason: `refusal ${i}` })).status).toBe(400);
    await until('the refusals on the first page', async () => ((await p.locator(`[data-testid=audit-row][data-value="${NET.nas}"]`).count()) === 50 ? true : undefined), 15_000);
    await countIs(p.locator(`[data-testid=audit-row][data-action=release_all]`), 0);
    await p.getByTestId('audit-older').click();
    await p.locator('[data-testid=audit-row][data-action=release_all]').waitFor();
    await countIs(p.locator(`[data-testid=audit-row][data-value="${NET.nas}"]`), 5);
    await p.getByTestId('audit-newer').click();
    await countIs(p.locator(`[data-testid=audit-row][data-value="${NET.nas}"]`), 50);

    // Block… from Findings: the blacklist hit's external address, prefilled; the guard refuses TEST-NET.
    await openView(p, seeded.url, 'findings');
    const listed = p.locator(`[data-key="blacklist:${NET.camera}:${NET.ircPeer}"]`);
    await listed.getByTestId('block-open').click();
    const bm = p.getByTestId('block-modal');
    await bm.waitFor(); // open (showModal ran: focus is inside)
    await expect(bm.locator('input[name=value]').inputValue()).resolves.toBe(NET.ircPeer);
    expect(await bm.locator('input[name=reason]').inputValue()).not.toBe('');
    await bm.getByTestId('block-submit').click();
    await expect(bm.getByTestId('block-refused').getAttribute('data-guard')).resolves.toBe('non_public');
    await p.keyboard.press('Escape');
    await bm.waitFor({ state: 'detached' });
    // Findings of internal devices offer nothing to block.
    await countIs(p.locator(`[data-key="${PORT_SCAN_KEY}"]`).getByTestId('block-open'), 0);

    // Block… from External IPs: the address and its rating, prefilled.
    await p.goto(`${seeded.url}#/external/${NET.hostilePeer}`);
    const ext = p.getByTestId('external-detail');
    await ext.getByTestId('block-open').click();
    await bm.waitFor();
    await expect(bm.locator('input[name=value]').inputValue()).resolves.toBe(NET.hostilePeer);
    await expect(bm.locator('input[name=reason]').inputValue()).resolves.toMatch(/^External IP 203\.0\.113\.66, threat high/);
    await p.keyboard.press('Escape');
    await bm.waitFor({ state: 'detached' });
  }, 90_000);

  it('no page error or CSP violation happened in any of the above', () => {
    expect(b.problems).toEqual([]);
  });
});
