/**
 * Test kit for the blocking tests (no production code imports it). Rules: the engine runs
 * against a temp database with the real migrations, the real findings store and event bus,
 * a FakeClock, fixed host facts (no routing table or resolver is read) and in-memory push
 * targets that record every call; nothing leaves the process.
 */
import { configSchema, type ConfigInput } from '../config/schema.js';
import { createEventBus, type EventBus } from '../core/events.js';
import { FakeClock } from '../core/fake-clock.js';
import { createSilentLogger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { createFindingsStore, type FindingsStore } from '../findings/findings-store.js';
import type { FindingReport } from '../findings/types.js';
import type { Store } from '../store/store.js';
import { tempDb, type TempDb } from '../../test/support/temp-db.js';
import { createBlocker, type Blocker, type BlockerDeps } from './blocker.js';
import type { HostFacts } from './host-facts.js';
import type { SubjectKind } from './subjects.js';
import { TargetError, type BlockTarget, type OpResult, type PushTarget, type TargetEntry } from './target.js';

export interface FakeEntry {
  owned?: boolean;
  expiresMs?: number;
  comment?: string;
}

export interface FakeTarget extends PushTarget {
  entries: Map<string, FakeEntry>;
  /** Every call in order: "prepare", "list", "add <v>", "remove <v>", "commit". */
  ops: string[];
  /** While set, every call throws it. */
  failWith: TargetError | undefined;
  /** Values add() refuses ("set is full"). */
  refuse: Set<string>;
  /** Entries beyond this many are refused as "set is full". */
  capacity: number;
}

/**
 * An in-memory push target. `ownership: 'tag'` reports owned (homesec's adds are owned,
 * seeded entries say themselves); 'ledger' never reports ownership (like OPNsense).
 * `expiry` keeps per-entry expiry like nftables/MikroTik.
 */
export function fakeTarget(name: string, o: { kinds?: SubjectKind[]; ownership?: 'tag' | 'ledger'; expiry?: boolean } = {}): FakeTarget {
  const ownership = o.ownership ?? 'tag';
  const t: FakeTarget = {
    name,
    mode: 'push',
    kinds: o.kinds ?? ['ip'],
    ...(o.expiry ? { maxTimeoutMs: 365 * 86_400_000 } : {}),
    entries: new Map(),
    ops: [],
    failWith: undefined,
    refuse: new Set(),
    capacity: Infinity,
    async prepare() {
      t.ops.push('prepare');
      if (t.failWith) throw t.failWith;
    },
    async list() {
      t.ops.push('list');
      if (t.failWith) throw t.failWith;
      const entries: TargetEntry[] = [...t.entries].map(([value, e]) => ({
        kind: value.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(value) ? 'ip' : 'domain',
        value,
        ...(ownership === 'tag' ? { owned: e.owned === true } : {}),
        ...(o.expiry && e.expiresMs !== undefined ? { expiresMs: e.expiresMs } : {}),
      }));
      return { entries, complete: true };
    },
    async add(entries) {
      const r: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        t.ops.push(`add ${e.value}`);
        if (t.failWith) throw t.failWith;
        if (t.refuse.has(e.value) || t.entries.size >= t.capacity) {
          r.failed.push({ value: e.value, detail: 'set is full' });
          continue;
        }
        t.entries.set(e.value, { owned: true, expiresMs: e.expiresMs, comment: e.comment });
        r.done.push(e.value);
      }
      return r;
    },
    async remove(entries) {
      const r: OpResult = { done: [], failed: [] };
      for (const e of entries) {
        t.ops.push(`remove ${e.value}`);
        if (t.failWith) throw t.failWith;
        t.entries.delete(e.value);
        r.done.push(e.value);
      }
      return r;
    },
    async commit() {
      t.ops.push('commit');
    },
  };
  return t;
}

/** Host facts of the test "host": gateway 192.168.1.1, resolver 192.168.1.2, own address 192.168.1.10 and a public one. */
export const TEST_FACTS: HostFacts = { gateways: ['192.168.1.1'], resolvers: ['192.168.1.2'], ownAddresses: ['192.168.1.10', '45.33.100.200'] };

export interface BlockHarness {
  clock: FakeClock;
  bus: EventBus;
  metrics: Metrics;
  db: TempDb;
  findings: FindingsStore;
  blocker: Blocker;
  targets: BlockTarget[];
  /** Stops the engine and builds a new one on the same database (a daemon restart). */
  restart(cfg?: Partial<ConfigInput>): Promise<void>;
  stop(): Promise<void>;
}

export const BASE_CONFIG: Partial<ConfigInput> = { block_enable: true, block_dry_run: false, internal_networks: '192.168.0.0/16,10.0.0.0/8' };

/** Starts findings store + engine on a fresh temp database (see module rules). */
export async function blockHarness(
  cfg: Partial<ConfigInput> = {},
  o: { targets?: BlockTarget[] | 'registry'; facts?: HostFacts; resolve?: BlockerDeps['resolve']; startMs?: number } = {},
): Promise<BlockHarness> {
  const db = tempDb('homesec-block-');
  const clock = new FakeClock(o.startMs ?? Date.UTC(2026, 0, 10, 12));
  const metrics = createMetrics();
  const bus = createEventBus((event, err) => {
    throw new Error(`listener of ${event} failed: ${String(err)}`);
  });
  const log = createSilentLogger();
  const store = { dir: db.dir, get db() { return db.db; }, checkpoint() {}, async start() {}, async stop() {} } as Store;
  const findings = createFindingsStore({ store, bus, log, metrics });
  await findings.start();
  const targets = o.targets === 'registry' ? [] : (o.targets ?? []);
  const build = (c: Partial<ConfigInput>) =>
    createBlocker(configSchema.parse({ data_dir: db.dir, ...BASE_CONFIG, ...c }), {
      store,
      bus,
      findings,
      clock,
      log,
      metrics,
      ...(o.targets === 'registry' ? {} : { targets }),
      hostFacts: async () => o.facts ?? TEST_FACTS,
      resolve: o.resolve ?? (async () => []),
    });
  const h: BlockHarness = {
    clock,
    bus,
    metrics,
    db,
    findings,
    blocker: build(cfg),
    targets,
    async restart(next = cfg) {
      await h.blocker.stop();
      h.blocker = build(next);
      await h.blocker.start();
      await h.blocker.idle();
    },
    async stop() {
      await h.blocker.stop();
      await findings.stop();
      db.cleanup();
    },
  };
  await h.blocker.start();
  await h.blocker.idle();
  return h;
}

let seq = 0;

/** A blacklist finding report: `device` talked to the listed `external` address. */
export function blacklistHit(external: string, device = '192.168.1.50', atMs = Date.UTC(2026, 0, 10, 12)): FindingReport {
  return {
    key: `blacklist:${device}:${external}`,
    category: 'blacklist',
    severity: 'high',
    sourceIp: device,
    title: `${device} talked to a blacklisted address: ${external}, listed by feodo (${++seq})`,
    detail: 'Outbound flow',
    atMs,
    evidence: { external_ip: external, feeds: ['feodo'], direction: 'outbound', port: 443, protocol: 'tcp', bytes: 100 },
  };
}
