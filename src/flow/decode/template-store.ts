/**
 * Template cache for NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) decoders.
 *
 * Rules:
 * - Templates are keyed by exporter address + protocol + observation domain / source id +
 *   template id (RFC 3954 §5.1 "Source ID", RFC 7011 §3.1 "Observation Domain ID" and §8).
 *   v9 and IPFIX ids live in separate namespaces even for the same exporter.
 * - Memory is bounded: per-exporter template count, total templates, total fields, number of
 *   exporters and fields per template are all capped. Exporters are evicted least recently
 *   used first; templates within an exporter are evicted least recently (re)defined first.
 *   Every eviction and expiry is counted.
 * - Templates expire `templateTtlMs` after their last definition/refresh (RFC 7011 §8.4:
 *   over UDP, templates that are not resent are eventually discarded).
 * - A template is compiled when it is inserted into a decode plan (`TemplatePlan`): a fixed
 *   record length when no variable-length field exists, and for every field the decoder cares
 *   about, its offset and length. Decoders never interpret field lists per record.
 * - Time is always passed in (`nowMs`); this module never reads the clock.
 * - Nothing here throws on hostile input: invalid templates are refused with a status.
 */
import { PLAN } from './record-reader.js';

const {
  S_SRC4,
  S_DST4,
  S_SRC6,
  S_DST6,
  S_SPORT,
  S_DPORT,
  S_PROTO,
  S_FLAGS,
  S_IN_IF,
  S_OUT_IF,
  S_BYTES,
  S_PKTS,
  S_START,
  S_END,
  S_SAMPLING,
  S_PSAMP_INTERVAL,
  S_PSAMP_SPACE,
  S_SYS_INIT,
  S_IP_VERSION,
  SLOT_COUNT,
  NO_SLOT,
  TIME_NONE,
  TIME_MS,
  TIME_NTP,
  TIME_SEC,
  TIME_UPTIME,
  ADDR_NONE,
  ADDR_V4,
  ADDR_V6,
  ADDR_BOTH,
  VARIABLE_LENGTH,
} = PLAN;

/** Which export protocol a template belongs to (separate id namespaces). */
export type FlowProtocol = 'v9' | 'ipfix';

/** Construction limits. All optional; defaults suit a home network with a few exporters. */
export interface TemplateStoreOptions {
  /** Templates (data + options) per exporter address. Default 1000. */
  maxTemplatesPerExporter?: number;
  /** Distinct exporter addresses. Default 10,000. */
  maxExporters?: number;
  /** Fields in one template; larger templates are refused before any allocation. Default 1000. */
  maxFieldsPerTemplate?: number;
  /** Templates over all exporters. Default 20,000. */
  maxTotalTemplates?: number;
  /** Field specifiers over all templates (memory budget). Default 500,000. */
  maxTotalFields?: number;
  /** A template not refreshed for this long is discarded. Default 30 minutes. */
  templateTtlMs?: number;
}

/** Result of offering a template definition to the store. */
export type UpsertOutcome =
  /** New template stored. */
  | 'added'
  /** Identical layout already known: refresh timestamp only. */
  | 'refreshed'
  /** Same id, new layout: the new layout replaced the old one (RFC 3954 §5.2, RFC 7011 §8). */
  | 'changed'
  /** Stored, but an older template or exporter had to be evicted to make room. */
  | 'evicted'
  /** Refused: too many fields. Nothing stored. */
  | 'too_many_fields'
  /** Refused: invalid layout (bad field length, zero-length record, ...). Any old template with this id is dropped. */
  | 'invalid';

/** Per-(exporter, protocol, domain) values learned from options data records. */
export interface ExporterOptions {
  /** Packet sampling interval to apply to later data (1 = unsampled). */
  samplingRate: number;
  /** systemInitTimeMilliseconds (IPFIX IE 160), absolute Unix ms; NaN when unknown. */
  systemInitMs: number;
  /** When these values were last set (for TTL). */
  updatedMs: number;
}

/** Health counters. */
export interface TemplateStoreStats {
  exporters: number;
  templates: number;
  fields: number;
  optionsEntries: number;
  exportersEvicted: number;
  templatesEvicted: number;
  templatesExpired: number;
  templatesChanged: number;
  templatesWithdrawn: number;
  templatesRejected: number;
}

/** JSON-safe description of one template, for persistence across restarts. */
export interface TemplateSnapshot {
  exporter: string;
  protocol: FlowProtocol;
  domainId: number;
  templateId: number;
  isOptions: boolean;
  scopeFieldCount: number;
  /** [ieId, length, enterpriseNumber] triples; enterpriseNumber 0 for IETF IEs. */
  fields: Array<[number, number, number]>;
  refreshedMs: number;
}

const CHECK_UINT = 0;
const CHECK_IPV4 = 1;
const CHECK_IPV6 = 2;
const CHECK_NTP = 3;

interface FieldRule {
  slot: number;
  /** Lower wins when several fields can fill the slot. */
  priority: number;
  check: number;
  /** For CHECK_UINT: largest legal length (reduced-size encoding, RFC 7011 §6.2, only shrinks). */
  maxLen: number;
  time: number;
}

function uint(slot: number, priority: number, maxLen: number, time = TIME_NONE): FieldRule {
  return { slot, priority, check: CHECK_UINT, maxLen, time };
}

function fixed(slot: number, check: number, time = TIME_NONE, priority = 0): FieldRule {
  return { slot, priority, check, maxLen: 0, time };
}

/**
 * IETF Information Elements (RFC 7012 / IANA registry; the v9 field types of RFC 3954 §8 use
 * the same numbers) that data records are decoded from. Unsigned fields accept any length from
 * 1 up to their abstract type's size; times accept 1..8 octets because exporters disagree.
 */
const DATA_RULES = new Map<number, FieldRule>([
  [8, fixed(S_SRC4, CHECK_IPV4)],
  [12, fixed(S_DST4, CHECK_IPV4)],
  [27, fixed(S_SRC6, CHECK_IPV6)],
  [28, fixed(S_DST6, CHECK_IPV6)],
  [7, uint(S_SPORT, 0, 2)],
  [11, uint(S_DPORT, 0, 2)],
  // icmpTypeCodeIPv4 / IPv6: reported in the destination port, as NetFlow v5 does.
  [32, uint(S_DPORT, 1, 2)],
  [139, uint(S_DPORT, 1, 2)],
  [4, uint(S_PROTO, 0, 1)],
  // tcpControlBits is unsigned16 since RFC 7125; v9 TCP_FLAGS is 1 octet.
  [6, uint(S_FLAGS, 0, 2)],
  [10, uint(S_IN_IF, 0, 4)],
  [14, uint(S_OUT_IF, 0, 4)],
  // Octets: delta (IN_BYTES) preferred, then total, then OUT_BYTES / postOctetDeltaCount.
  [1, uint(S_BYTES, 0, 8)],
  [85, uint(S_BYTES, 1, 8)],
  [23, uint(S_BYTES, 2, 8)],
  [2, uint(S_PKTS, 0, 8)],
  [86, uint(S_PKTS, 1, 8)],
  [24, uint(S_PKTS, 2, 8)],
  // Times: milliseconds, then micro/nano (NTP), then seconds, then uptime-relative.
  [152, uint(S_START, 0, 8, TIME_MS)],
  [153, uint(S_END, 0, 8, TIME_MS)],
  [154, fixed(S_START, CHECK_NTP, TIME_NTP, 1)],
  [155, fixed(S_END, CHECK_NTP, TIME_NTP, 1)],
  [156, fixed(S_START, CHECK_NTP, TIME_NTP, 2)],
  [157, fixed(S_END, CHECK_NTP, TIME_NTP, 2)],
  [150, uint(S_START, 3, 8, TIME_SEC)],
  [151, uint(S_END, 3, 8, TIME_SEC)],
  [22, uint(S_START, 4, 8, TIME_UPTIME)],
  [21, uint(S_END, 4, 8, TIME_UPTIME)],
  // Per-record sampling (some exporters put it in every data record).
  [34, uint(S_SAMPLING, 0, 4)],
  [50, uint(S_SAMPLING, 1, 4)],
  [305, uint(S_PSAMP_INTERVAL, 0, 4)],
  [306, uint(S_PSAMP_SPACE, 0, 4)],
  [60, uint(S_IP_VERSION, 0, 1)],
]);

/** Information Elements read from options data records (RFC 3954 §6.2, RFC 7011 §3.4.2). */
const OPTIONS_RULES = new Map<number, FieldRule>([
  [34, uint(S_SAMPLING, 0, 4)],
  [50, uint(S_SAMPLING, 1, 4)],
  [305, uint(S_PSAMP_INTERVAL, 0, 4)],
  [306, uint(S_PSAMP_SPACE, 0, 4)],
  [160, uint(S_SYS_INIT, 0, 8)],
]);

function lengthOk(r: FieldRule, len: number): boolean {
  switch (r.check) {
    case CHECK_UINT:
      return len >= 1 && len <= r.maxLen;
    case CHECK_IPV4:
      return len === 4;
    case CHECK_IPV6:
      return len === 16;
    default:
      return len === 8;
  }
}

/** Intrusive doubly linked LRU list (head = least recently used): O(1) touch and evict. */
interface LruLinks<T> {
  lruPrev: T | undefined;
  lruNext: T | undefined;
}

class LruList<T extends LruLinks<T>> {
  head: T | undefined = undefined;
  tail: T | undefined = undefined;

  push(n: T): void {
    n.lruPrev = this.tail;
    n.lruNext = undefined;
    if (this.tail !== undefined) this.tail.lruNext = n;
    else this.head = n;
    this.tail = n;
  }

  /** `n` must be a member. */
  remove(n: T): void {
    if (n.lruPrev !== undefined) n.lruPrev.lruNext = n.lruNext;
    else this.head = n.lruNext;
    if (n.lruNext !== undefined) n.lruNext.lruPrev = n.lruPrev;
    else this.tail = n.lruPrev;
    n.lruPrev = undefined;
    n.lruNext = undefined;
  }

  /** `n` must be a member. */
  touch(n: T): void {
    if (this.tail === n) return;
    this.remove(n);
    this.push(n);
  }
}

/**
 * A compiled template. Field layout arrays are immutable after construction; `slotRel` is
 * constant for fixed-length plans and rewritten per record by the decoder for variable-length
 * plans (single-threaded, synchronous use only).
 */
export class TemplatePlan implements LruLinks<TemplatePlan> {
  /** Record length when every field is fixed-length, else -1. */
  readonly fixedLength: number;
  /** Smallest possible record (fixed fields + 1 length octet per variable field); > 0. */
  readonly minLength: number;
  /** Slot of each field, NO_SLOT when skipped (only for variable-length plans; else empty). */
  readonly fieldSlot: Uint8Array;
  /** Offset of each slot inside the record, -1 when the template lacks it. */
  readonly slotRel: Int32Array;
  /** Length of each slot's field. */
  readonly slotLen: Uint8Array;
  readonly startKind: number;
  readonly endKind: number;
  readonly addrMode: number;
  /** Data template that yields FlowRecords (has an address). */
  readonly emitsFlows: boolean;
  /** Data template carrying its own sampling fields (34/50/305/306). */
  readonly hasRecordSampling: boolean;
  /** Store key (protocol, domain, template id). */
  readonly key: number;
  refreshedMs: number;
  lastUsedMs: number;
  /** Store-internal LRU links. */
  lruPrev: TemplatePlan | undefined = undefined;
  lruNext: TemplatePlan | undefined = undefined;

  constructor(
    readonly protocol: FlowProtocol,
    readonly domainId: number,
    readonly templateId: number,
    readonly isOptions: boolean,
    readonly scopeFieldCount: number,
    readonly ids: Uint16Array,
    readonly lens: Uint16Array,
    readonly pens: Uint32Array,
    layout: PlanLayout,
    nowMs: number,
  ) {
    this.fixedLength = layout.fixedLength;
    this.minLength = layout.minLength;
    this.fieldSlot = layout.fieldSlot;
    this.slotRel = layout.slotRel;
    this.slotLen = layout.slotLen;
    this.startKind = layout.startKind;
    this.endKind = layout.endKind;
    this.addrMode = layout.addrMode;
    this.emitsFlows = !isOptions && layout.addrMode !== ADDR_NONE;
    this.hasRecordSampling =
      !isOptions &&
      (layout.slotRel[S_SAMPLING]! >= 0 ||
        layout.slotRel[S_PSAMP_INTERVAL]! >= 0 ||
        layout.slotRel[S_PSAMP_SPACE]! >= 0);
    this.key = templateKey(protocol, domainId, templateId);
    this.refreshedMs = nowMs;
    this.lastUsedMs = nowMs;
  }

  /** Number of field specifiers (scope fields included). */
  get fieldCount(): number {
    return this.ids.length;
  }
}

interface PlanLayout {
  fixedLength: number;
  minLength: number;
  fieldSlot: Uint8Array;
  slotRel: Int32Array;
  slotLen: Uint8Array;
  startKind: number;
  endKind: number;
  addrMode: number;
}

/** Largest record that can fit in one set of a 65,535-octet message. */
const MAX_RECORD_LENGTH = 65535 - 16 - 4;

const EMPTY_SLOTS = new Uint8Array(0);
const EMPTY_PENS = new Uint32Array(0);
/** Compile scratch (single-threaded). */
const slotPrio = new Uint8Array(SLOT_COUNT);
const slotField = new Int32Array(SLOT_COUNT);

/**
 * Compiles a field list into a decode layout, or returns undefined when the template is invalid:
 * a v9 field of length 0xFFFF (RFC 3954 has no variable-length fields), a decoded field with an
 * impossible length (e.g. IPV4_SRC_ADDR of 50 octets) or a variable length, a record that is
 * empty (every field zero-length) or larger than any message.
 * Enterprise-specific fields (pen != 0, RFC 7011 §3.2) and scope fields are skipped by length;
 * zero-length fields occupy no octets and are ignored (RFC 3954 allows them).
 */
function compileLayout(
  protocol: FlowProtocol,
  isOptions: boolean,
  scopeFieldCount: number,
  ids: ArrayLike<number>,
  lens: ArrayLike<number>,
  pens: ArrayLike<number>,
  n: number,
): PlanLayout | undefined {
  const rules = isOptions ? OPTIONS_RULES : DATA_RULES;
  slotPrio.fill(255);
  slotField.fill(-1);
  const slotRel = new Int32Array(SLOT_COUNT).fill(-1);
  const slotLen = new Uint8Array(SLOT_COUNT);
  let startKind = TIME_NONE;
  let endKind = TIME_NONE;
  let offset = 0;
  let minLength = 0;
  let variable = false;
  for (let i = 0; i < n; i++) {
    const len = lens[i]!;
    if (len === VARIABLE_LENGTH) {
      if (protocol === 'v9') return undefined;
      variable = true;
      minLength += 1;
    } else {
      minLength += len;
    }
    const r = i >= scopeFieldCount && pens[i] === 0 ? rules.get(ids[i]!) : undefined;
    if (r !== undefined) {
      if (len === VARIABLE_LENGTH) return undefined;
      if (len !== 0) {
        if (!lengthOk(r, len)) return undefined;
        if (r.priority < slotPrio[r.slot]!) {
          slotPrio[r.slot] = r.priority;
          slotField[r.slot] = i;
          slotLen[r.slot] = len;
          slotRel[r.slot] = variable ? -1 : offset;
          if (r.slot === S_START) startKind = r.time;
          else if (r.slot === S_END) endKind = r.time;
        }
      }
    }
    if (!variable) offset += len;
  }
  if (minLength === 0 || minLength > MAX_RECORD_LENGTH) return undefined;
  let fieldSlot = EMPTY_SLOTS;
  if (variable) {
    fieldSlot = new Uint8Array(n).fill(NO_SLOT);
    for (let s = 0; s < SLOT_COUNT; s++) {
      const f = slotField[s]!;
      if (f >= 0) fieldSlot[f] = s;
    }
  }
  const has4 = slotField[S_SRC4]! >= 0 || slotField[S_DST4]! >= 0;
  const has6 = slotField[S_SRC6]! >= 0 || slotField[S_DST6]! >= 0;
  const addrMode = has4 && has6 ? ADDR_BOTH : has4 ? ADDR_V4 : has6 ? ADDR_V6 : ADDR_NONE;
  return {
    fixedLength: variable ? -1 : offset,
    minLength,
    fieldSlot,
    slotRel,
    slotLen,
    startKind,
    endKind,
    addrMode,
  };
}

class OptionsEntry implements ExporterOptions, LruLinks<OptionsEntry> {
  samplingRate = 1;
  systemInitMs = Number.NaN;
  lruPrev: OptionsEntry | undefined = undefined;
  lruNext: OptionsEntry | undefined = undefined;
  constructor(
    readonly key: number,
    public updatedMs: number,
  ) {}
}

class ExporterState implements LruLinks<ExporterState> {
  readonly templates = new Map<number, TemplatePlan>();
  /** Least recently (re)defined template first. */
  readonly templateOrder = new LruList<TemplatePlan>();
  readonly options = new Map<number, OptionsEntry>();
  readonly optionsOrder = new LruList<OptionsEntry>();
  fields = 0;
  lruPrev: ExporterState | undefined = undefined;
  lruNext: ExporterState | undefined = undefined;
  constructor(readonly name: string) {}
}

function protoBit(protocol: FlowProtocol): number {
  return protocol === 'v9' ? 0 : 1;
}

/** protocol (1 bit) | domain (32 bits) | template id (16 bits): < 2^49, exact in a double. */
function templateKey(protocol: FlowProtocol, domainId: number, templateId: number): number {
  return (protoBit(protocol) * 0x100000000 + (domainId >>> 0)) * 0x10000 + (templateId & 0xffff);
}

function optionsKey(protocol: FlowProtocol, domainId: number): number {
  return protoBit(protocol) * 0x100000000 + (domainId >>> 0);
}

function copyU16(src: ArrayLike<number>, n: number): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i]!;
  return out;
}

/**
 * Bounded template and options-data cache shared by the v9 and IPFIX decoders.
 * Not thread-safe; intended for the single collector event loop.
 */
export class TemplateStore {
  readonly maxTemplatesPerExporter: number;
  readonly maxExporters: number;
  readonly maxFieldsPerTemplate: number;
  readonly maxTotalTemplates: number;
  readonly maxTotalFields: number;
  readonly templateTtlMs: number;

  private readonly exporters = new Map<string, ExporterState>();
  /** Least recently used exporter first. */
  private readonly exporterOrder = new LruList<ExporterState>();
  private totalTemplates = 0;
  private totalFields = 0;
  private lastSweepMs = Number.NEGATIVE_INFINITY;
  private readonly sweepIntervalMs: number;
  private counters = {
    exportersEvicted: 0,
    templatesEvicted: 0,
    templatesExpired: 0,
    templatesChanged: 0,
    templatesWithdrawn: 0,
    templatesRejected: 0,
  };

  /** Creates an empty store; non-positive or non-finite limits fall back to the defaults. */
  constructor(options: TemplateStoreOptions = {}) {
    const pick = (v: number | undefined, d: number): number =>
      v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : d;
    this.maxTemplatesPerExporter = pick(options.maxTemplatesPerExporter, 1000);
    this.maxExporters = pick(options.maxExporters, 10_000);
    this.maxFieldsPerTemplate = Math.min(pick(options.maxFieldsPerTemplate, 1000), 16383);
    this.maxTotalTemplates = pick(options.maxTotalTemplates, 20_000);
    this.maxTotalFields = Math.max(pick(options.maxTotalFields, 500_000), this.maxFieldsPerTemplate);
    this.templateTtlMs = pick(options.templateTtlMs, 30 * 60_000);
    this.sweepIntervalMs = Math.max(1000, Math.min(60_000, Math.floor(this.templateTtlMs / 2)));
  }

  /**
   * Adds or refreshes a template. `ids`/`lens`/`pens` hold `n` field specifiers (scope fields
   * first for options templates); they are copied only when the layout is new. Refused
   * templates leave nothing behind, and also drop an older template with the same id, so data
   * is never decoded with a stale layout.
   */
  upsert(
    exporter: string,
    protocol: FlowProtocol,
    domainId: number,
    templateId: number,
    isOptions: boolean,
    scopeFieldCount: number,
    ids: ArrayLike<number>,
    lens: ArrayLike<number>,
    pens: ArrayLike<number>,
    n: number,
    nowMs: number,
  ): UpsertOutcome {
    this.maybeSweep(nowMs);
    const key = templateKey(protocol, domainId, templateId);
    const existingState = this.exporters.get(exporter);
    const existing = existingState?.templates.get(key);
    if (n > this.maxFieldsPerTemplate) {
      this.counters.templatesRejected++;
      if (existingState !== undefined && existing !== undefined) this.removeTemplate(existingState, existing);
      return 'too_many_fields';
    }
    if (existingState !== undefined && existing !== undefined) {
      if (sameLayout(existing, isOptions, scopeFieldCount, ids, lens, pens, n)) {
        existing.refreshedMs = nowMs;
        existing.lastUsedMs = nowMs;
        existingState.templateOrder.touch(existing);
        this.exporterOrder.touch(existingState);
        return 'refreshed';
      }
    }
    const layout = compileLayout(protocol, isOptions, scopeFieldCount, ids, lens, pens, n);
    if (layout === undefined) {
      this.counters.templatesRejected++;
      if (existingState !== undefined && existing !== undefined) this.removeTemplate(existingState, existing);
      return 'invalid';
    }
    let anyEnterprise = false;
    for (let i = 0; i < n; i++) if (pens[i] !== 0) anyEnterprise = true;
    let pensCopy = EMPTY_PENS;
    if (anyEnterprise) {
      pensCopy = new Uint32Array(n);
      for (let i = 0; i < n; i++) pensCopy[i] = pens[i]!;
    }
    const plan = new TemplatePlan(
      protocol, domainId >>> 0, templateId, isOptions, scopeFieldCount,
      copyU16(ids, n), copyU16(lens, n), pensCopy, layout, nowMs,
    );
    let evicted = false;
    let state = existingState;
    if (state === undefined) {
      if (this.exporters.size >= this.maxExporters) {
        this.evictOldestExporter(undefined);
        evicted = true;
      }
      state = new ExporterState(exporter);
      this.exporters.set(exporter, state);
      this.exporterOrder.push(state);
    } else {
      this.exporterOrder.touch(state);
    }
    if (existing !== undefined) {
      this.removeTemplate(state, existing);
      this.counters.templatesChanged++;
    } else if (state.templates.size >= this.maxTemplatesPerExporter) {
      this.evictOldestTemplate(state);
      evicted = true;
    }
    // Global budgets: drop whole least-recently-used exporters first, then our own oldest.
    while (
      (this.totalTemplates + 1 > this.maxTotalTemplates || this.totalFields + n > this.maxTotalFields) &&
      this.evictOldestExporter(state)
    ) {
      evicted = true;
    }
    while (
      (this.totalTemplates + 1 > this.maxTotalTemplates || this.totalFields + n > this.maxTotalFields) &&
      state.templates.size > 0
    ) {
      this.evictOldestTemplate(state);
      evicted = true;
    }
    state.templates.set(key, plan);
    state.templateOrder.push(plan);
    state.fields += n;
    this.totalTemplates++;
    this.totalFields += n;
    if (existing !== undefined) return 'changed';
    return evicted ? 'evicted' : 'added';
  }

  /**
   * Returns the live plan for a data set, or undefined when unknown, withdrawn or expired
   * (an expired template is removed and counted). Marks the exporter as recently used.
   */
  get(exporter: string, protocol: FlowProtocol, domainId: number, templateId: number, nowMs: number): TemplatePlan | undefined {
    this.maybeSweep(nowMs);
    const state = this.exporters.get(exporter);
    if (state === undefined) return undefined;
    this.exporterOrder.touch(state);
    const plan = state.templates.get(templateKey(protocol, domainId, templateId));
    if (plan === undefined) return undefined;
    if (nowMs - plan.refreshedMs > this.templateTtlMs) {
      this.removeTemplate(state, plan);
      this.counters.templatesExpired++;
      return undefined;
    }
    plan.lastUsedMs = nowMs;
    return plan;
  }

  /**
   * Template withdrawal (RFC 7011 §8.1). Removes one template if it exists and is of the given
   * kind (data vs options); unknown ids and repeated withdrawals are harmless. Returns whether
   * something was removed.
   */
  withdraw(exporter: string, protocol: FlowProtocol, domainId: number, templateId: number, isOptions?: boolean): boolean {
    const state = this.exporters.get(exporter);
    if (state === undefined) return false;
    const plan = state.templates.get(templateKey(protocol, domainId, templateId));
    if (plan === undefined || (isOptions !== undefined && plan.isOptions !== isOptions)) return false;
    this.removeTemplate(state, plan);
    this.counters.templatesWithdrawn++;
    return true;
  }

  /**
   * All Data Templates (isOptions false, RFC 7011 §8.1 template id 2) or all Options Templates
   * (isOptions true, template id 3) withdrawal for one observation domain. Returns the count removed.
   */
  withdrawAll(exporter: string, protocol: FlowProtocol, domainId: number, isOptions: boolean): number {
    const state = this.exporters.get(exporter);
    if (state === undefined) return 0;
    const dom = domainId >>> 0;
    let removed = 0;
    for (const plan of state.templates.values()) {
      if (plan.protocol === protocol && plan.domainId === dom && plan.isOptions === isOptions) {
        this.removeTemplate(state, plan);
        removed++;
      }
    }
    this.counters.templatesWithdrawn += removed;
    return removed;
  }

  /** Options-derived values for data decoding, or undefined when none are known or they expired. */
  getOptions(exporter: string, protocol: FlowProtocol, domainId: number, nowMs: number): ExporterOptions | undefined {
    const state = this.exporters.get(exporter);
    if (state === undefined) return undefined;
    const opt = state.options.get(optionsKey(protocol, domainId));
    if (opt === undefined) return undefined;
    if (nowMs - opt.updatedMs > this.templateTtlMs) {
      state.options.delete(opt.key);
      state.optionsOrder.remove(opt);
      return undefined;
    }
    return opt;
  }

  /**
   * Records values from an options data record for (exporter, protocol, domain). A NaN or
   * non-positive sampling rate / NaN init time leaves the previous value in place. Only
   * exporters that already have a template are tracked (options data needs an options
   * template); at most maxTemplatesPerExporter domains per exporter, least recently updated
   * dropped first.
   */
  updateOptions(
    exporter: string,
    protocol: FlowProtocol,
    domainId: number,
    samplingRate: number,
    systemInitMs: number,
    nowMs: number,
  ): ExporterOptions | undefined {
    const state = this.exporters.get(exporter);
    if (state === undefined) return undefined;
    const key = optionsKey(protocol, domainId);
    let opt = state.options.get(key);
    if (opt === undefined) {
      const oldest = state.optionsOrder.head;
      if (state.options.size >= this.maxTemplatesPerExporter && oldest !== undefined) {
        state.options.delete(oldest.key);
        state.optionsOrder.remove(oldest);
      }
      opt = new OptionsEntry(key, nowMs);
      state.options.set(key, opt);
      state.optionsOrder.push(opt);
    } else {
      state.optionsOrder.touch(opt);
    }
    if (samplingRate > 0 && Number.isFinite(samplingRate)) opt.samplingRate = samplingRate;
    if (Number.isFinite(systemInitMs)) opt.systemInitMs = systemInitMs;
    opt.updatedMs = nowMs;
    return opt;
  }

  /** Removes expired templates/options and exporters left empty. Runs automatically every ≤ 60 s of `nowMs`. */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const state of this.exporters.values()) {
      for (const plan of state.templates.values()) {
        if (nowMs - plan.refreshedMs > this.templateTtlMs) {
          this.removeTemplate(state, plan);
          this.counters.templatesExpired++;
        }
      }
      for (const opt of state.options.values()) {
        if (nowMs - opt.updatedMs > this.templateTtlMs) {
          state.options.delete(opt.key);
          state.optionsOrder.remove(opt);
        }
      }
      if (state.templates.size === 0 && state.options.size === 0) {
        this.exporters.delete(state.name);
        this.exporterOrder.remove(state);
      }
    }
  }

  /** Totals and eviction counters for health reporting. */
  stats(): TemplateStoreStats {
    let optionsEntries = 0;
    for (const s of this.exporters.values()) optionsEntries += s.options.size;
    return {
      exporters: this.exporters.size,
      templates: this.totalTemplates,
      fields: this.totalFields,
      optionsEntries,
      ...this.counters,
    };
  }

  /** Template count for one exporter (0 when unknown), or the total when `exporter` is omitted. */
  templateCount(exporter?: string): number {
    if (exporter === undefined) return this.totalTemplates;
    return this.exporters.get(exporter)?.templates.size ?? 0;
  }

  /** Template count per exporter, least recently used exporter first. */
  templatesByExporter(): Array<{ exporter: string; templates: number }> {
    const out: Array<{ exporter: string; templates: number }> = [];
    for (let s = this.exporterOrder.head; s !== undefined; s = s.lruNext) {
      out.push({ exporter: s.name, templates: s.templates.size });
    }
    return out;
  }

  /** JSON-safe copy of every live template (for persistence across restarts). */
  snapshot(nowMs: number): TemplateSnapshot[] {
    const out: TemplateSnapshot[] = [];
    for (const s of this.exporters.values()) {
      for (let p = s.templateOrder.head; p !== undefined; p = p.lruNext) {
        if (nowMs - p.refreshedMs > this.templateTtlMs) continue;
        const fields: Array<[number, number, number]> = [];
        for (let i = 0; i < p.ids.length; i++) {
          fields.push([p.ids[i]!, p.lens[i]!, p.pens.length === 0 ? 0 : p.pens[i]!]);
        }
        out.push({
          exporter: s.name,
          protocol: p.protocol,
          domainId: p.domainId,
          templateId: p.templateId,
          isOptions: p.isOptions,
          scopeFieldCount: p.scopeFieldCount,
          fields,
          refreshedMs: p.refreshedMs,
        });
      }
    }
    return out;
  }

  /**
   * Loads persisted templates. A persisted template never overrides one already present (a
   * fresh definition from the exporter wins), expired or malformed entries are ignored, and the
   * original refresh time is kept so restored templates expire on schedule. Returns the number
   * restored.
   */
  restore(snapshots: readonly TemplateSnapshot[], nowMs: number): number {
    let restored = 0;
    for (const snap of snapshots) {
      if (!isSnapshot(snap)) continue;
      if (nowMs - snap.refreshedMs > this.templateTtlMs || snap.refreshedMs > nowMs) continue;
      const key = templateKey(snap.protocol, snap.domainId, snap.templateId);
      if (this.exporters.get(snap.exporter)?.templates.has(key) === true) continue;
      const n = snap.fields.length;
      const ids = snap.fields.map((f) => f[0]);
      const lens = snap.fields.map((f) => f[1]);
      const pens = snap.fields.map((f) => f[2]);
      const outcome = this.upsert(
        snap.exporter, snap.protocol, snap.domainId, snap.templateId, snap.isOptions,
        snap.scopeFieldCount, ids, lens, pens, n, nowMs,
      );
      if (outcome === 'added' || outcome === 'evicted') {
        const plan = this.exporters.get(snap.exporter)?.templates.get(key);
        if (plan !== undefined) {
          plan.refreshedMs = snap.refreshedMs;
          plan.lastUsedMs = snap.refreshedMs;
        }
        restored++;
      }
    }
    return restored;
  }

  private maybeSweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs >= this.sweepIntervalMs || nowMs < this.lastSweepMs) this.sweep(nowMs);
  }

  private removeTemplate(state: ExporterState, plan: TemplatePlan): void {
    if (state.templates.get(plan.key) !== plan) return;
    state.templates.delete(plan.key);
    state.templateOrder.remove(plan);
    state.fields -= plan.fieldCount;
    this.totalTemplates--;
    this.totalFields -= plan.fieldCount;
  }

  private evictOldestTemplate(state: ExporterState): void {
    const oldest = state.templateOrder.head;
    if (oldest === undefined) return;
    this.removeTemplate(state, oldest);
    this.counters.templatesEvicted++;
  }

  /** Evicts the least recently used exporter other than `keep`; false when there is none. */
  private evictOldestExporter(keep: ExporterState | undefined): boolean {
    let victim = this.exporterOrder.head;
    if (victim !== undefined && victim === keep) victim = victim.lruNext;
    if (victim === undefined) return false;
    this.exporters.delete(victim.name);
    this.exporterOrder.remove(victim);
    this.totalTemplates -= victim.templates.size;
    this.totalFields -= victim.fields;
    this.counters.templatesEvicted += victim.templates.size;
    this.counters.exportersEvicted++;
    return true;
  }
}

function sameLayout(
  p: TemplatePlan,
  isOptions: boolean,
  scopeFieldCount: number,
  ids: ArrayLike<number>,
  lens: ArrayLike<number>,
  pens: ArrayLike<number>,
  n: number,
): boolean {
  if (p.isOptions !== isOptions || p.scopeFieldCount !== scopeFieldCount || p.ids.length !== n) return false;
  const hasPens = p.pens.length !== 0;
  for (let i = 0; i < n; i++) {
    if (p.ids[i] !== ids[i] || p.lens[i] !== lens[i]) return false;
    if ((hasPens ? p.pens[i] : 0) !== pens[i]) return false;
  }
  return true;
}

function isU(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function isSnapshot(s: TemplateSnapshot): boolean {
  if (typeof s !== 'object' || s === null) return false;
  if (typeof s.exporter !== 'string' || (s.protocol !== 'v9' && s.protocol !== 'ipfix')) return false;
  if (!isU(s.domainId, 0xffffffff) || !isU(s.templateId, 0xffff) || s.templateId < 256) return false;
  if (typeof s.isOptions !== 'boolean' || !isU(s.scopeFieldCount, 0xffff)) return false;
  if (typeof s.refreshedMs !== 'number' || !Array.isArray(s.fields) || s.fields.length === 0) return false;
  if (s.scopeFieldCount > s.fields.length) return false;
  for (const f of s.fields) {
    if (!Array.isArray(f) || !isU(f[0], 0xffff) || !isU(f[1], 0xffff) || !isU(f[2], 0xffffffff)) return false;
  }
  return true;
}
