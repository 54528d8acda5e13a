/**
 * The nftables target: blocks on the host homesec runs on (or the router it runs on).
 * Rules:
 * - homesec owns exactly one table, `inet homesec`, and never reads, changes or deletes
 *   anything outside it. The table holds two sets with per-element timeouts, `block4`
 *   (ipv4_addr) and `block6` (ipv6_addr), and three base chains at priority -10 (before the
 *   usual filter chains) that DROP traffic from and to the sets: input (saddr), forward
 *   (saddr and daddr) and output (daddr). Nothing is ever accepted there, so the rest of
 *   the ruleset keeps deciding about all other traffic.
 * - prepare() checks the table against that layout (`nft -j list table`) and, when it is
 *   missing or differs (someone edited it), replaces the whole table in ONE transaction;
 *   the engine then re-adds the blocks.
 * - Every element carries a timeout: the kernel drops it when the block expires even if
 *   homesec is not running. A changed expiry is delete + add (the engine replaces it).
 * - Changes are one `nft -f -` transaction per call; a removal deletes only elements that
 *   are present (nft refuses to delete a missing one), so an element the kernel just
 *   expired never fails the batch. When a batch is refused, its entries are tried one by
 *   one so a single bad element ("set is full") does not hold back the rest.
 * - Every element of homesec's sets is homesec's (owned).
 */
import type { Clock } from '../../core/clock.js';
import { cleanText } from '../../intel/sanitise.js';
import { canonicalSubject, ipFamily } from '../subjects.js';
import { TargetError, type DesiredEntry, type OpResult, type PushTarget, type TargetEntry, type TargetListing } from '../target.js';
import { createNftRun, type NftResult, type NftRun } from './nft-command.js';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'homesec';
const T = `${NFT_FAMILY} ${NFT_TABLE}`;
const SET: Record<4 | 6, string> = { 4: 'block4', 6: 'block6' };

/** The chains and, per chain, the rules (as `protocol field @set drop` signatures) homesec's table must hold. */
export const NFT_LAYOUT: Record<string, { hook: string; rules: string[] }> = {
  input: { hook: 'input', rules: ['ip saddr @block4 drop', 'ip6 saddr @block6 drop'] },
  forward: { hook: 'forward', rules: ['ip saddr @block4 drop', 'ip daddr @block4 drop', 'ip6 saddr @block6 drop', 'ip6 daddr @block6 drop'] },
  output: { hook: 'output', rules: ['ip daddr @block4 drop', 'ip6 daddr @block6 drop'] },
};
export const NFT_PRIORITY = -10;

/** The script that (re)creates homesec's table from nothing, in one transaction. */
export function nftCreateScript(): string {
  const lines = [
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T} { comment "managed by homesec (automated response); homesec replaces this table when it changes"; }`,
    `add set ${T} ${SET[4]} { type ipv4_addr; flags timeout; }`,
    `add set ${T} ${SET[6]} { type ipv6_addr; flags timeout; }`,
  ];
  for (const [name, c] of Object.entries(NFT_LAYOUT)) {
    lines.push(`add chain ${T} ${name} { type filter hook ${c.hook} priority ${NFT_PRIORITY}; policy accept; }`);
    for (const r of c.rules) {
      const [proto, field, set] = r.split(' ');
      lines.push(`add rule ${T} ${name} ${proto} ${field} ${set} counter drop`);
    }
  }
  return `${lines.join('\n')}\n`;
}

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

/** The `protocol field @set verdict` signature of a rule's expressions, or undefined for any other rule. */
function ruleSignature(expr: unknown): string | undefined {
  if (!Array.isArray(expr)) return undefined;
  let match: string | undefined;
  let verdict: string | undefined;
  for (const e of expr) {
    const o = rec(e);
    if (!o) return undefined;
    const m = rec(o.match);
    const payload = rec(rec(m?.left)?.payload);
    if (m && payload && m.op === '==' && typeof m.right === 'string') match = `${String(payload.protocol)} ${String(payload.field)} ${m.right}`;
    else if ('drop' in o) verdict = 'drop';
    else if (!('counter' in o)) return undefined;
  }
  return match && verdict ? `${match} ${verdict}` : undefined;
}

export interface NftTableView {
  /** The table holds exactly homesec's layout. */
  layoutOk: boolean;
  elements: { value: string; family: 4 | 6; expiresMs?: number }[];
}

/** Reads `nft -j list table inet homesec` output (see module rules); elements' expiry from `expires` seconds. */
export function parseNftTable(json: string, nowMs: number): NftTableView {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return { layoutOk: false, elements: [] };
  }
  const items = rec(doc)?.nftables;
  if (!Array.isArray(items)) return { layoutOk: false, elements: [] };
  const elements: NftTableView['elements'] = [];
  const sets = new Map<string, boolean>();
  const chains = new Map<string, boolean>();
  const rules = new Map<string, string[]>();
  let unexpected = false;
  for (const it of items) {
    const o = rec(it);
    if (!o || 'metainfo' in o || 'table' in o) continue;
    const set = rec(o.set);
    const chain = rec(o.chain);
    const rule = rec(o.rule);
    if (set) {
      const fam = set.name === SET[4] ? 4 : set.name === SET[6] ? 6 : undefined;
      const flags = Array.isArray(set.flags) ? set.flags : [];
      if (!fam || set.type !== (fam === 4 ? 'ipv4_addr' : 'ipv6_addr') || flags.length !== 1 || flags[0] !== 'timeout') {
        unexpected = true;
        continue;
      }
      sets.set(String(set.name), true);
      for (const el of Array.isArray(set.elem) ? set.elem : []) {
        const inner = rec(rec(el)?.elem);
        const val = typeof el === 'string' ? el : inner?.val;
        const canon = typeof val === 'string' ? canonicalSubject(val) : undefined;
        if (canon?.kind !== 'ip') continue;
        const exp = typeof inner?.expires === 'number' && Number.isFinite(inner.expires) ? nowMs + inner.expires * 1000 : undefined;
        elements.push({ value: canon.value, family: fam, ...(exp !== undefined ? { expiresMs: exp } : {}) });
      }
    } else if (chain) {
      const want = NFT_LAYOUT[String(chain.name)];
      const ok = want !== undefined && chain.type === 'filter' && chain.hook === want.hook && chain.prio === NFT_PRIORITY && chain.policy === 'accept';
      if (!ok) unexpected = true;
      else chains.set(String(chain.name), true);
    } else if (rule) {
      const sig = ruleSignature(rule.expr);
      if (!sig) unexpected = true;
      else rules.set(String(rule.chain), [...(rules.get(String(rule.chain)) ?? []), sig]);
    } else unexpected = true;
  }
  const rulesOk = Object.entries(NFT_LAYOUT).every(([name, c]) => chains.has(name) && JSON.stringify(rules.get(name) ?? []) === JSON.stringify(c.rules));
  const layoutOk = !unexpected && sets.size === 2 && chains.size === Object.keys(NFT_LAYOUT).length && rules.size === chains.size && rulesOk;
  return { layoutOk, elements };
}

/** A safe one-line reason from nft's stderr. */
function nftError(r: NftResult): string {
  if (r.killed) return 'nft did not finish in time';
  const line = r.stderr.split('\n').find((l) => l.includes('Error:'));
  return cleanText(line === undefined ? r.stderr.split('\n')[0] : line.slice(line.indexOf('Error:')), 160) ?? `nft exited with ${r.code}`;
}

const missingTable = (r: NftResult) => r.code !== 0 && /No such file or directory/.test(r.stderr);

export interface NftablesOptions {
  /** The nft command as argv (default ['nft']; tests: ['ip', 'netns', 'exec', ns, 'nft']). */
  argv: readonly string[];
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
}

/** Creates the target (no I/O until called). */
export function createNftablesTarget(opts: NftablesOptions, run: NftRun = createNftRun(opts.argv, opts)): PushTarget {
  const exec = async (args: readonly string[], stdin?: string): Promise<NftResult> => {
    try {
      return await run(args, stdin);
    } catch {
      throw new TargetError('command', 'cannot run nft (is nftables installed, and does homesec have CAP_NET_ADMIN?)');
    }
  };
  const readTable = async (): Promise<NftTableView | undefined> => {
    const r = await exec(['-j', 'list', 'table', NFT_FAMILY, NFT_TABLE]);
    if (missingTable(r)) return undefined;
    if (r.code !== 0) throw new TargetError(r.killed ? 'timeout' : 'command', nftError(r));
    return parseNftTable(r.stdout, opts.clock.now());
  };
  const apply = async (script: string): Promise<NftResult> => exec(['-f', '-'], script);

  /** Applies one line per entry as one transaction; when refused, line by line. */
  const batch = async (items: { value: string; line: string }[]): Promise<OpResult> => {
    if (items.length === 0) return { done: [], failed: [] };
    const all = await apply(`${items.map((i) => i.line).join('\n')}\n`);
    if (all.code === 0) return { done: items.map((i) => i.value), failed: [] };
    if (all.killed) throw new TargetError('timeout', nftError(all));
    const res: OpResult = { done: [], failed: [] };
    for (const it of items) {
      const r = await apply(`${it.line}\n`);
      if (r.code === 0) res.done.push(it.value);
      else res.failed.push({ value: it.value, detail: nftError(r) });
    }
    return res;
  };

  return {
    name: 'nftables',
    mode: 'push',
    kinds: ['ip'],
    maxTimeoutMs: 365 * 86_400_000,
    async prepare() {
      const t = await readTable();
      if (t?.layoutOk) return;
      const r = await apply(nftCreateScript());
      if (r.code !== 0) throw new TargetError(r.killed ? 'timeout' : 'command', nftError(r));
    },
    async list(): Promise<TargetListing> {
      const t = await readTable();
      const entries: TargetEntry[] = (t?.elements ?? []).map((e) => ({ kind: 'ip', value: e.value, owned: true, ...(e.expiresMs !== undefined ? { expiresMs: e.expiresMs } : {}) }));
      return { entries, complete: true };
    },
    async add(entries: readonly DesiredEntry[], nowMs: number) {
      return batch(
        entries.map((e) => {
          const secs = Math.max(1, Math.ceil((e.expiresMs - nowMs) / 1000));
          return { value: e.value, line: `add element ${T} ${SET[ipFamily(e.value)]} { ${e.value} timeout ${secs}s }` };
        }),
      );
    },
    async remove(entries: readonly TargetEntry[]) {
      const present = new Set((await readTable())?.elements.map((e) => e.value) ?? []);
      const res = await batch(entries.filter((e) => present.has(e.value)).map((e) => ({ value: e.value, line: `delete element ${T} ${SET[ipFamily(e.value)]} { ${e.value} }` })));
      // Elements that were gone already (expired by the kernel) count as removed.
      for (const e of entries) if (!present.has(e.value)) res.done.push(e.value);
      return res;
    },
  };
}
