/**
 * What the dashboard views read, as narrow interfaces typed with the API contract. Rules:
 * the app hands the real components in (src/app.ts); because these interfaces use the
 * contract's types, a component whose output drifts from the contract stops compiling here
 * instead of surprising the dashboard. Nothing here holds state.
 */
import type {
  Device,
  Finding,
  HostScan,
  HostVulns,
  IpLookupResponse,
  KeywordChip,
  ScanSummary,
  Severity,
} from '../contract.js';
import type { Collector } from '../../flow/collector.js';
import type { Db } from '../../store/database.js';
import type { IntelView } from './external-ip-index.js';

/** The collector as the views read it. */
export type CollectorSource = Pick<Collector, 'stats' | 'exporters' | 'address' | 'health'>;

export interface DashboardSources {
  now(): number;
  db(): Db;
  demo: boolean;
  features: { scanner: boolean; threatIntel: boolean; nvd: boolean; auth: boolean };
  /** external_ip_retention_hours, ms (0 = forever). */
  externalRetentionMs: number;
  isInternal(ip: string): boolean;
  inventory: { devices(): Device[] };
  findings: {
    list(opts?: { includeDismissed?: boolean; minSeverity?: Severity }): Finding[];
    openActionableCount(): number;
  };
  scanner: { summary(): ScanSummary; hosts(): HostScan[] };
  collector: CollectorSource;
  flowsTotal(): number;
  vuln?: {
    results(ip?: string): HostVulns[];
    keywords(): (KeywordChip & { searches: number })[];
    stats(): { cves: number };
  };
  intel?: IntelView & {
    lookup(ip: string): Promise<IpLookupResponse>;
    stats(): { providers: { name: string; enabled: boolean }[] };
  };
  /** enrichment_ttl_minutes, ms: when a stored provider answer turns stale. */
  enrichmentTtlMs: number;
}
