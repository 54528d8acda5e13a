/**
 * The automated-response component: turns findings (and manual requests) into expiring
 * blocks on the configured targets, safely. Rules:
 * - Decisions are synchronous and persisted before anything else happens (block-store.ts);
 *   target I/O happens afterwards in ONE sync loop (sync-loop.ts: a pass reconciles every
 *   push target; requests made during a pass run one more), so targets are never changed
 *   concurrently and a burst of decisions costs at most two passes. Protected addresses
 *   are gathered at start and every reconcile interval (protection-sources.ts).
 * - Safety, in this order, for every automatic candidate: automation not paused; not
 *   already blocked; the guards (guards.ts, the one place) allow it; fewer than
 *   block_max_active blocks; fewer than block_max_per_hour automatic blocks in the last
 *   hour. A cap reached pauses automation (persisted), raises a `block_paused` finding
 *   through the findings store and is audit-logged; manual blocks still work (a manual
 *   block at the active cap is refused). The guards run again for every entry a pass
 *   pushes, so nothing protected reaches a target by any path.
 * - Every block expires (policy.ts); expiry runs on the injected clock, and targets with
 *   per-entry timeouts (nftables, MikroTik) also drop entries themselves.
 * - Dry run records decisions (flagged dry_run, audit result `dry_run`) and never adds to a
 *   target; blocks enforced before dry run was switched on stay enforced until they expire
 *   or are released; a dry-run block left when dry run is switched off is discarded. With
 *   nothing enforced and nothing pushed before, dry run does no target I/O at all.
 * - releaseAll() is the kill switch: every block is dropped, automation pauses, and every
 *   push target loses every entry homesec owns — it works even with blocking disabled (in
 *   dry run only targets homesec pushed to before are contacted).
 * - Disabled (block_enable off): no finding is acted on, no timer runs, manual blocks are
 *   refused; status, the audit log and releaseAll() still work.
 * - Audit: every decision, refusal (a repeated refusal of the same subject and class is
 *   logged once an hour, counted always), cap, pause, resume, expiry, release and target
 *   failure. Reasons are plain text cut to 300 characters.
 */
import type { Config } from '../config/schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Service } from '../core/lifecycle.js';
import type { Log } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { FindingReport, Finding } from '../findings/types.js';
import { cleanText } from '../intel/sanitise.js';
import type { Db } from '../store/database.js';
import type { BlockOptions } from './block-config.js';
import { createBlockStore, type AuditInput } from './block-store.js';
import type { BlocklistTarget } from './blocklist-url.js';
import { buildProtection, checkSubject, type Protection } from './guards.js';
import { discoverHostFacts, resolveName, type HostFacts } from './host-facts.js';
import { gatherProtection } from './protection-sources.js';
import { formatDuration, manualTtl, offenceSince, triggers, ttlForOffence } from './policy.js';
import { buildTargets } from './registry.js';
import { canonicalSubject, subjectsOf, type Subject, type SubjectKind } from './subjects.js';
import { createSyncLoop } from './sync-loop.js';
import type { BlockTarget, DesiredEntry, PushTarget } from './target.js';
import type { AuditEntryView, BlockStatusView, BlockView, ReleaseAllResultView, TargetHealthView } from './types.js';

declare module '../core/events.js' {
  interface HomesecEvents {
    /** A block was added, extended, removed or expired, a refusal was logged, or automation paused/resumed. */
    'block.changed': { action: AuditEntryView['action']; value?: string; kind?: SubjectKind };
  }
}

export type BlockerConfig = BlockOptions & Pick<Config, 'internal_networks' | 'dns_local_resolvers' | 'dns_source' | 'dns_url' | 'ha_url' | 'mqtt_url'>;

export interface BlockerDeps {
  store: { readonly db: Db };
  bus: EventBus;
  findings: { report(r: FindingReport): unknown };
  clock: Clock;
  log: Log;
  metrics: Metrics;
  /** Overrides the registry (tests). */
  targets?: BlockTarget[];
  /** What the host tells about itself (default: routing table, resolv.conf, interfaces). */
  hostFacts?: () => Promise<HostFacts>;
  /** Name resolution for protected host names (default: the system resolver, 2 s). */
  resolve?: (name: string) => Promise<string[]>;
}

export type BlockOutcome =
  | { ok: true; block: BlockView; dryRun: boolean; already: boolean; targets: TargetHealthView[] }
  | { ok: false; code: 'disabled' | 'invalid' | 'refused' | 'cap'; error: string; guard?: string };

export type UnblockOutcome = { ok: true; value: string; targets: TargetHealthView[] } | { ok: false; code: 'disabled' | 'invalid' | 'not_found'; error: string };

export interface Blocker extends Service {
  status(): BlockStatusView;
  active(): BlockView[];
  audit(limit: number, beforeId?: number): AuditEntryView[];
  /** A manual block (API). `actorIp` is the requester's address, never blockable by them. */
  block(req: { value: string; reason: string; ttlMinutes?: number; actorIp?: string }): Promise<BlockOutcome>;
  unblock(value: string, reason: string): Promise<UnblockOutcome>;
  /** The kill switch (see module rules). */
  releaseAll(reason: string): Promise<ReleaseAllResultView>;
  /** Lifts a pause; returns the pause that was lifted (null when none). */
  resume(): BlockStatusView['paused'];
  /** Runs a reconcile pass now and answers the targets' health. */
  reconcile(): Promise<TargetHealthView[]>;
  /** Acts on one finding (what the finding.updated listener calls). */
  onFinding(f: Finding): void;
  /** The blocklist URL's text (undefined: not served). */
  blocklistText(token: string, file: string): string | undefined;
  /** Resolves once no sync pass is running or requested. */
  idle(): Promise<void>;
}

const REASON_MAX = 300;
const MAX_PROCESSED = 10_000;
const REFUSAL_REPEAT_MS = 3_600_000;
const AUDIT_ROWS = 50_000;
const AUDIT_DAYS = 180;

/** Creates the component; nothing runs until start(). */
export function createBlocker(config: BlockerConfig, deps: BlockerDeps): Blocker {
  const { clock, log, metrics } = deps;
  const store = createBlockStore(() => deps.store.db);
  const abort = new AbortController();
  const targets = deps.targets ?? buildTargets(config, { clock, signal: abort.signal });
  const push = targets.filter((t): t is PushTarget => t.mode === 'push');
  const blocklist = targets.find((t): t is BlocklistTarget => t.mode === 'pull' && 'serve' in t);
  const resolve = deps.resolve ?? ((name: string) => resolveName(name, 2000, clock));

  const active = new Map<string, BlockView>();
  let protection: Protection = buildProtection({ internalNetworks: config.internal_networks, allowlist: config.block_allowlist, named: [] });
  let protectedCounts: Record<string, number> = {};
  let paused: BlockStatusView['paused'] = null;
  let skippedWhilePaused = 0;
  let nextReconcileMs = 0;
  let timer: TimerHandle | undefined;
  let offFinding: (() => void) | undefined;
  let running = false;
  const processed = new Map<string, number>();
  const refusals = new Map<string, number>();

  const now = () => clock.now();
  const clip = (s: string) => cleanText(s, REASON_MAX) ?? '';
  const audit = (a: AuditInput) => store.audit({ ...a, reason: clip(a.reason), detail: clip(a.detail ?? '') }, now());
  const emit = (action: AuditEntryView['action'], s?: Subject) => deps.bus.emit('block.changed', { action, ...(s ? { value: s.value, kind: s.kind } : {}) });
  const gauge = () => metrics.set('homesec_block_active', active.size);

  // ---------------------------------------------------------------- protection
  const refreshProtection = async (): Promise<void> => {
    const facts = await (deps.hostFacts ?? discoverHostFacts)().catch((): HostFacts => ({ gateways: [], resolvers: [], ownAddresses: [] }));
    const g = await gatherProtection(config, facts, resolve);
    protection = g.protection;
    protectedCounts = g.counts;
  };

  /** Drops active blocks the guards no longer allow (config or host changed). */
  const dropNowProtected = (): void => {
    for (const b of [...active.values()]) {
      const v = checkSubject(b, protection);
      if (v.ok) continue;
      store.deleteBlock(b.value);
      active.delete(b.value);
      audit({ action: 'unblock', value: b.value, kind: b.kind, actor: 'system', result: 'ok', reason: 'now protected', guard: v.cls, detail: v.detail });
      emit('unblock', b);
      requestSync();
    }
  };

  // ---------------------------------------------------------------- pause
  const pause = (reason: 'active_cap' | 'hourly_cap' | 'release_all', s?: Subject): void => {
    if (paused) return;
    paused = { sinceMs: now(), reason };
    store.setState('paused', JSON.stringify(paused));
    const lastHour = store.automaticSince(now() - 3_600_000);
    const text =
      reason === 'active_cap'
        ? `${active.size} blocks are active (block_max_active ${config.block_max_active})`
        : reason === 'hourly_cap'
          ? `${lastHour} automatic blocks in the last hour (block_max_per_hour ${config.block_max_per_hour})`
          : 'every block was released';
    audit({ action: 'pause', actor: reason === 'release_all' ? 'api' : 'auto', result: 'ok', reason: 'automation paused', detail: text });
    metrics.inc('homesec_block_pauses_total', { reason });
    log.warn({ reason, active: active.size, lastHour }, 'automatic blocking paused');
    emit('pause');
    if (reason === 'release_all') return;
    deps.findings.report({
      key: `block_paused:${reason}`,
      category: 'block_paused',
      severity: 'high',
      sourceIp: s?.value ?? '',
      title: `Automatic blocking paused: ${text}`,
      detail: `homesec stopped adding automatic blocks because ${text}${s ? `; the next candidate was ${s.value}` : ''}. Existing blocks stay until they expire; manual blocks still work.`,
      atMs: now(),
      evidence: { reason, active: active.size, maxActive: config.block_max_active, lastHour, maxPerHour: config.block_max_per_hour, ...(s ? { candidate: s.value } : {}) },
      remediation: 'Check the block audit log (GET /api/block/audit) for a flood of findings or a wrong trigger; raise block_max_active / block_max_per_hour if the blocks are right; then resume automation (POST /api/block/resume).',
    });
  };

  // ---------------------------------------------------------------- decisions
  const refuse = (s: Subject, cls: string, detail: string, actor: AuditInput['actor'], reason: string): void => {
    metrics.inc('homesec_block_refused_total', { guard: cls });
    const key = `${s.value}|${cls}`;
    const last = refusals.get(key);
    if (actor === 'auto' && last !== undefined && now() - last < REFUSAL_REPEAT_MS) return;
    refusals.delete(key);
    if (refusals.size >= MAX_PROCESSED) refusals.delete(refusals.keys().next().value as string);
    refusals.set(key, now());
    audit({ action: 'refuse', value: s.value, kind: s.kind, actor, result: 'refused', reason, guard: cls, detail });
    emit('refuse', s);
    log.info({ value: s.value, guard: cls }, 'block refused by a safety guard');
  };

  /** Records a new block (guards and caps passed). */
  const record = (s: Subject, o: { source: BlockView['source']; reason: string; findingKey?: string; ttlMinutes?: number }): BlockView => {
    const t = now();
    const offence = store.recordOffence(s.value, t, offenceSince(t, config));
    const ttl = o.source === 'manual' ? manualTtl(o.ttlMinutes, offence, config) : ttlForOffence(offence, config);
    const b: BlockView = {
      value: s.value,
      kind: s.kind,
      reason: clip(o.reason),
      source: o.source,
      ...(o.findingKey ? { findingKey: o.findingKey.slice(0, 512) } : {}),
      createdMs: t,
      expiresMs: t + ttl,
      offence,
      dryRun: config.block_dry_run,
    };
    store.putBlock(b);
    active.set(b.value, b);
    const to = push.filter((p) => p.kinds.includes(s.kind)).map((p) => p.name);
    if (blocklist) to.push(blocklist.name);
    audit({
      action: 'block',
      value: s.value,
      kind: s.kind,
      actor: o.source === 'auto' ? 'auto' : 'api',
      result: b.dryRun ? 'dry_run' : 'ok',
      reason: o.reason,
      detail: `for ${formatDuration(ttl)} (offence ${offence})${b.dryRun ? '; dry run: no target touched' : `; targets: ${to.join(', ') || 'none configured'}`}`,
    });
    metrics.inc('homesec_block_decisions_total', { source: o.source, result: b.dryRun ? 'dry_run' : 'ok' });
    log.info({ value: s.value, source: o.source, ttlMs: ttl, dryRun: b.dryRun }, b.dryRun ? 'would block (dry run)' : 'blocked');
    emit('block', s);
    gauge();
    if (!b.dryRun) requestSync();
    arm();
    return b;
  };

  const autoBlock = (s: Subject, f: Finding): void => {
    if (paused) {
      skippedWhilePaused++;
      metrics.inc('homesec_block_skipped_paused_total');
      return;
    }
    if (active.has(s.value)) return;
    const v = checkSubject(s, protection);
    if (!v.ok) return refuse(s, v.cls, v.detail, 'auto', f.title);
    if (active.size >= config.block_max_active) {
      audit({ action: 'cap', value: s.value, kind: s.kind, actor: 'auto', result: 'refused', reason: f.title, detail: `block_max_active ${config.block_max_active} reached` });
      return pause('active_cap', s);
    }
    if (store.automaticSince(now() - 3_600_000) >= config.block_max_per_hour) {
      audit({ action: 'cap', value: s.value, kind: s.kind, actor: 'auto', result: 'refused', reason: f.title, detail: `block_max_per_hour ${config.block_max_per_hour} reached` });
      return pause('hourly_cap', s);
    }
    record(s, { source: 'auto', reason: f.title, findingKey: f.key });
  };

  const onFinding = (f: Finding): void => {
    if (!config.block_enable || !running || !triggers(f, config)) return;
    const seen = processed.get(f.key);
    if (seen !== undefined && f.occurrences <= seen) return;
    processed.delete(f.key);
    if (processed.size >= MAX_PROCESSED) processed.delete(processed.keys().next().value as string);
    processed.set(f.key, f.occurrences);
    for (const s of subjectsOf(f)) autoBlock(s, f);
  };

  const removeBlock = (b: BlockView, action: 'unblock' | 'expire', actor: AuditInput['actor'], reason: string): void => {
    store.deleteBlock(b.value);
    active.delete(b.value);
    audit({ action, value: b.value, kind: b.kind, actor, result: b.dryRun ? 'dry_run' : 'ok', reason, detail: `${b.source} block from ${new Date(b.createdMs).toISOString()}` });
    emit(action, b);
    gauge();
    if (!b.dryRun) requestSync();
  };

  const expireDue = (): void => {
    const t = now();
    for (const b of [...active.values()]) if (b.expiresMs <= t) removeBlock(b, 'expire', 'system', 'expired');
  };

  // ---------------------------------------------------------------- sync
  /** What must be on `t`: enforced, unexpired blocks the guards allow (nothing while disabled). */
  const desiredFor = (t: PushTarget): DesiredEntry[] =>
    [...active.values()]
      .filter((b) => config.block_enable && !b.dryRun && t.kinds.includes(b.kind) && b.expiresMs > now() && checkSubject(b, protection).ok)
      .map((b) => ({ kind: b.kind, value: b.value, expiresMs: b.expiresMs, comment: b.reason }));
  const sync = createSyncLoop({ targets: push, ledger: store, desiredFor, dryRun: config.block_dry_run, audit, now, log, metrics, signal: abort.signal });
  const requestSync = (force = false) => sync.request(force);

  const healthViews = (): TargetHealthView[] => {
    const out = sync.health();
    if (blocklist) {
      const s = blocklist.stats();
      const enforced = [...active.values()].some((b) => !b.dryRun);
      out.push({ name: blocklist.name, mode: 'pull', kinds: [...blocklist.kinds], state: config.block_dry_run && !enforced ? 'dry_run' : 'ok', added: 0, removed: 0, failed: 0, fetches: s.fetches, ...(s.lastFetchMs !== undefined ? { lastFetchMs: s.lastFetchMs } : {}) });
    }
    return out;
  };

  // ---------------------------------------------------------------- timer
  function arm(): void {
    if (!running) return;
    if (timer) clock.clearTimeout(timer);
    let next = nextReconcileMs;
    for (const b of active.values()) if (b.expiresMs < next) next = b.expiresMs;
    timer = clock.setTimeout(() => void tick(), Math.max(0, next - now()));
  }

  const tick = async (): Promise<void> => {
    timer = undefined;
    if (!running) return;
    try {
      expireDue();
      if (now() >= nextReconcileMs) {
        nextReconcileMs = now() + config.block_reconcile_minutes * 60_000;
        store.prune(now(), { maxAuditRows: AUDIT_ROWS, auditDays: AUDIT_DAYS, offenceSinceMs: offenceSince(now(), config) });
        await refreshProtection();
        dropNowProtected();
        void requestSync();
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'block timer failed');
    }
    arm();
  };

  const loadPaused = (): void => {
    try {
      const p = JSON.parse(store.getState('paused') ?? 'null') as { sinceMs?: unknown; reason?: unknown } | null;
      paused = p && typeof p.sinceMs === 'number' && typeof p.reason === 'string' ? { sinceMs: p.sinceMs, reason: p.reason.slice(0, 40) } : null;
    } catch {
      paused = null;
    }
  };

  return {
    async start() {
      for (const b of store.blocks()) active.set(b.value, b);
      loadPaused();
      if (!config.block_enable) return;
      if (!config.block_dry_run) {
        for (const b of [...active.values()]) {
          if (!b.dryRun) continue;
          store.deleteBlock(b.value);
          active.delete(b.value);
          audit({ action: 'discard', value: b.value, kind: b.kind, actor: 'system', result: 'ok', reason: 'dry run is off', detail: 'a dry-run decision is not enforced when dry run is switched off' });
        }
      }
      await refreshProtection();
      running = true;
      expireDue();
      dropNowProtected();
      gauge();
      offFinding = deps.bus.on('finding.updated', onFinding);
      nextReconcileMs = now() + config.block_reconcile_minutes * 60_000;
      void requestSync();
      arm();
    },
    async stop() {
      running = false;
      offFinding?.();
      offFinding = undefined;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      abort.abort();
      await sync.idle();
      await Promise.all(push.map((t) => t.close?.().catch(() => undefined)));
    },
    status(): BlockStatusView {
      return {
        enabled: config.block_enable,
        dryRun: config.block_dry_run,
        paused,
        active: active.size,
        lastHourAutomatic: store.automaticSince(now() - 3_600_000),
        caps: { maxActive: config.block_max_active, maxPerHour: config.block_max_per_hour },
        ttl: { baseMinutes: config.block_ttl_minutes, escalationFactor: config.block_escalation_factor, maxHours: config.block_max_ttl_hours },
        triggers: { categories: [...config.block_trigger_categories], minSeverity: config.block_min_severity },
        targets: healthViews(),
        protectedCounts: { ...protectedCounts },
        skippedWhilePaused,
        ...(sync.lastPassMs() !== undefined ? { lastReconcileMs: sync.lastPassMs() } : {}),
      };
    },
    active: () => [...active.values()].sort((a, b) => b.createdMs - a.createdMs),
    audit: (limit, beforeId) => store.auditList(Math.max(1, Math.min(1000, Math.floor(limit))), beforeId),
    async block(req) {
      if (!config.block_enable || !running) return { ok: false, code: 'disabled', error: 'blocking is disabled (block_enable)' };
      const s = canonicalSubject(req.value);
      const reason = clip(req.reason) || 'manual block';
      if (!s) return { ok: false, code: 'invalid', error: 'not an IP address or domain name' };
      const v = checkSubject(s, protection, req.actorIp);
      if (!v.ok) {
        refuse(s, v.cls, v.detail, 'api', reason);
        return { ok: false, code: 'refused', error: `refused: ${v.detail}`, guard: v.cls };
      }
      const prev = active.get(s.value);
      if (prev) {
        const ttl = manualTtl(req.ttlMinutes, prev.offence, config);
        const b: BlockView = { ...prev, reason, source: 'manual', expiresMs: Math.max(prev.expiresMs, now() + ttl) };
        store.putBlock(b);
        active.set(b.value, b);
        audit({ action: 'extend', value: b.value, kind: b.kind, actor: 'api', result: b.dryRun ? 'dry_run' : 'ok', reason, detail: `until ${new Date(b.expiresMs).toISOString()}` });
        emit('extend', s);
        arm();
        if (!b.dryRun) await requestSync();
        return { ok: true, block: b, dryRun: b.dryRun, already: true, targets: healthViews() };
      }
      if (active.size >= config.block_max_active) {
        audit({ action: 'cap', value: s.value, kind: s.kind, actor: 'api', result: 'refused', reason, detail: `block_max_active ${config.block_max_active} reached` });
        return { ok: false, code: 'cap', error: `block_max_active (${config.block_max_active}) reached` };
      }
      const b = record(s, { source: 'manual', reason, ...(req.ttlMinutes !== undefined ? { ttlMinutes: req.ttlMinutes } : {}) });
      if (!b.dryRun) await requestSync();
      return { ok: true, block: b, dryRun: b.dryRun, already: false, targets: healthViews() };
    },
    async unblock(value, reason) {
      const s = canonicalSubject(value);
      if (!s) return { ok: false, code: 'invalid', error: 'not an IP address or domain name' };
      const b = active.get(s.value);
      if (!b) return { ok: false, code: 'not_found', error: 'not blocked' };
      removeBlock(b, 'unblock', 'api', clip(reason) || 'manual unblock');
      await requestSync();
      return { ok: true, value: s.value, targets: healthViews() };
    },
    async releaseAll(reason) {
      const n = store.deleteAllBlocks();
      active.clear();
      gauge();
      audit({ action: 'release_all', actor: 'api', result: 'ok', reason: clip(reason) || 'release all', detail: `${n} block${n === 1 ? '' : 's'} released; every target emptied of homesec's entries` });
      log.warn({ released: n }, 'release-all: every block released');
      emit('release_all');
      pause('release_all');
      // In dry run only targets homesec pushed to before are contacted; disabled, every target is.
      await requestSync(!config.block_dry_run || !config.block_enable);
      return { released: n, paused, targets: healthViews() };
    },
    resume() {
      const was = paused;
      if (!was) return null;
      paused = null;
      store.setState('paused', undefined);
      audit({ action: 'resume', actor: 'api', result: 'ok', reason: 'automation resumed', detail: `paused since ${new Date(was.sinceMs).toISOString()} (${was.reason})` });
      emit('resume');
      return was;
    },
    async reconcile() {
      await requestSync(!config.block_dry_run);
      return healthViews();
    },
    onFinding,
    blocklistText(token, file) {
      if (!blocklist) return undefined;
      return blocklist.serve(token, file, (kind) =>
        config.block_enable ? [...active.values()].filter((b) => b.kind === kind && !b.dryRun && b.expiresMs > now() && checkSubject(b, protection).ok).map((b) => b.value) : [],
      );
    },
    idle: () => sync.idle(),
  };
}
