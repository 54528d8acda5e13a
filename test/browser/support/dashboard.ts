/**
 * Test support: driving the dashboard in the page (login, views) and waiting on the daemon
 * through its API. Rules: every wait is bounded; API polling uses the admin password as a
 * Bearer token (no cookie, no CSRF), the page uses the real login form.
 */
import type { Locator, Page } from 'playwright-core';
import { apiGet, type Seeded } from './seed.js';

export const VIEW_IDS = ['overview', 'map', 'hosts', 'findings', 'external', 'vulnerabilities', 'recommendations', 'blocking'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** Polls fn until it returns a value other than undefined (bounded). */
export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Waits until the inventory has analysed the devices (its first refresh runs 15 s after start). */
export async function waitForInventory(s: Seeded): Promise<void> {
  await until(
    'the inventory refresh',
    async () => {
      const h = await apiGet<{ devices: { role: string }[] }>(s.url, s.password, 'api/hosts');
      return h.devices.some((d) => d.role === 'gateway') ? true : undefined;
    },
    45_000,
  );
}

/** Logs in through the form at `url` and waits for the overview. */
export async function login(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-form').waitFor();
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.getByTestId('view-overview').waitFor();
}

/** Opens a view by its hash route and waits for its container. */
export async function openView(page: Page, base: string, view: ViewId): Promise<void> {
  await page.goto(`${base}#/${view}`);
  await page.getByTestId(`view-${view}`).waitFor();
}

/** Waits until the locator matches exactly n elements (views render their data after the frame). */
export async function countIs(l: Locator, n: number, ms = 15_000): Promise<void> {
  let last = -1;
  try {
    await until(`${n} elements`, async () => ((last = await l.count()) === n ? true : undefined), ms);
  } catch {
    throw new Error(`expected ${n} elements for ${l.toString()}, found ${last}`);
  }
}
