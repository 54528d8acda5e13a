/**
 * nftables for real, inside a network namespace this test creates (test/support/netns-lab.ts:
 * one host running nginx, with the lab's own `table inet lab`). homesec's nft runs in that
 * namespace (`ip netns exec <ns> nft`); traffic goes only between the root namespace and
 * the lab (198.18.0.0/15). Checks: a blocked address's traffic is dropped and flows again
 * once the element's timeout ran out; the engine reconciles manual edits on the real table;
 * the rest of the ruleset (the lab's table) is never touched.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../core/clock.js';
import { createLab, labSupport, type Lab } from '../../../test/support/netns-lab.js';
import { blockHarness } from '../test-kit.js';
import { createNftablesTarget, NFT_TABLE, parseNftTable } from './nftables.js';

const run = promisify(execFile);
const skip = labSupport(['nginx']);
const clock = createSystemClock();
let lab: Lab | undefined;
let ns = '';

/** `nft` in the lab namespace. */
const nft = async (...args: string[]) => (await run('ip', ['netns', 'exec', ns, 'nft', ...args], { timeout: 10_000 })).stdout;

/** The ruleset without homesec's table (JSON objects, handles and counters as nft reports them). */
async function foreignRuleset(): Promise<unknown[]> {
  const items = (JSON.parse(await nft('-j', 'list', 'ruleset')) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  return items.filter((o) => !('metainfo' in o)).filter((o) => {
    const body = Object.values(o)[0] ?? {};
    return !(body.family === 'inet' && (body.table === NFT_TABLE || ('name' in body && !('table' in body) && body.name === NFT_TABLE)));
  });
}

/** Whether a TCP connection from the root namespace to the lab host's port 80 completes within 1.5 s. */
function connects(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port: 80 });
    s.setTimeout(1500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(skip !== undefined)(`nftables target in a network namespace${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let before: unknown[] = [];

  beforeAll(async () => {
    lab = await createLab([{ services: ['nginx'], filteredPorts: [8081] }]);
    ns = lab.hosts[0]!.ns;
    before = await foreignRuleset();
    expect(JSON.stringify(before)).toContain('"lab"');
  }, 60_000);

  afterAll(async () => {
    await lab?.stop();
  });

  const target = () => createNftablesTarget({ argv: ['ip', 'netns', 'exec', ns, 'nft'], timeoutMs: 10_000, clock });

  it('drops a blocked address, lets it through again after the timeout, and touches only its own table', async () => {
    const host = lab!.hosts[0]!.ip;
    const me = lab!.gatewayIp;
    expect(await connects(host)).toBe(true);
    const t = target();
    await t.prepare?.();
    expect(parseNftTable(await nft('-j', 'list', 'table', 'inet', NFT_TABLE), Date.now()).layoutOk).toBe(true);
    const now = Date.now();
    expect(await t.add([{ kind: 'ip', value: me, expiresMs: now + 4000, comment: 'test' }, { kind: 'ip', value: '2001:4860::8888', expiresMs: now + 3_600_000, comment: 'v6' }], now)).toEqual({ done: [me, '2001:4860::8888'], failed: [] });
    const listed = await t.list();
    expect(listed.entries.map((e) => [e.value, e.owned])).toEqual([
      [me, true],
      ['2001:4860::8888', true],
    ]);
    expect(listed.entries[0]?.expiresMs).toBeLessThanOrEqual(now + 5000);
    expect(await connects(host)).toBe(false);
    // The kernel drops the element when its timeout runs out (bounded wait, checked by listing).
    for (let i = 0; i < 40 && (await t.list()).entries.some((e) => e.value === me); i++) await new Promise((r) => setTimeout(r, 250));
    expect((await t.list()).entries.map((e) => e.value)).toEqual(['2001:4860::8888']);
    expect(await connects(host)).toBe(true);
    // Removing an element that is gone already is not an error.
    expect(await t.remove([{ kind: 'ip', value: me }, { kind: 'ip', value: '2001:4860::8888' }])).toEqual({ done: ['2001:4860::8888', me], failed: [] });
    expect(await foreignRuleset()).toEqual(before);
  }, 60_000);

  it('replaces an edited table in one transaction; a refused element does not hold back the batch', async () => {
    const t = target();
    await t.prepare?.();
    await nft('flush', 'chain', 'inet', NFT_TABLE, 'input');
    await nft('add', 'chain', 'inet', NFT_TABLE, 'extra');
    expect(parseNftTable(await nft('-j', 'list', 'table', 'inet', NFT_TABLE), Date.now()).layoutOk).toBe(false);
    await t.prepare?.();
    expect(parseNftTable(await nft('-j', 'list', 'table', 'inet', NFT_TABLE), Date.now()).layoutOk).toBe(true);
    const now = Date.now();
    const r = await t.add([{ kind: 'ip', value: '45.33.100.1', expiresMs: now + 60_000, comment: '' }, { kind: 'ip', value: '1.2.3.4.5', expiresMs: now + 60_000, comment: '' }], now);
    expect(r.done).toEqual(['45.33.100.1']);
    expect(r.failed[0]?.value).toBe('1.2.3.4.5');
    expect(r.failed[0]?.detail).toMatch(/^Error:/);
    expect(await foreignRuleset()).toEqual(before);
  }, 60_000);

  it('the engine reconciles the real table after manual edits and release-all empties it', async () => {
    const h = await blockHarness({ block_reconcile_minutes: 5 }, { targets: [target()] });
    try {
      for (const v of ['45.33.100.1', '45.33.100.2']) await h.blocker.block({ value: v, reason: 'netns test' });
      const elements = async () => parseNftTable(await nft('-j', 'list', 'table', 'inet', NFT_TABLE), Date.now()).elements.map((e) => e.value).sort();
      expect(await elements()).toEqual(['45.33.100.1', '45.33.100.2']);
      await nft('delete', 'element', 'inet', NFT_TABLE, 'block4', '{ 45.33.100.1 }');
      await nft('add', 'element', 'inet', NFT_TABLE, 'block4', '{ 45.33.100.77 timeout 1h }');
      await h.clock.advance(5 * 60_000);
      await h.blocker.idle();
      expect(await elements()).toEqual(['45.33.100.1', '45.33.100.2']);
      await h.blocker.releaseAll('test');
      expect(await elements()).toEqual([]);
      expect(await foreignRuleset()).toEqual(before);
    } finally {
      await h.stop();
    }
  }, 60_000);
});
