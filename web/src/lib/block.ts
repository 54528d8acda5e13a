/**
 * Blocking helpers (pure): what a finding or an external address would be blocked as, and
 * the wording of the safety guards' classes. Rules: the subject mirrors the server's
 * `subjectsOf` (src/block/subjects.ts) field by field, so the "Block…" action is offered only
 * where the engine itself would block something; the server still checks every value (the
 * prefill is a convenience, never trusted); output is plain text.
 */
import type { Finding } from '../api/types';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The IP address or domain a finding points at (what its category blocks), or undefined. */
export function blockSubjectOf(f: Pick<Finding, 'category' | 'sourceIp' | 'evidence'>): string | undefined {
  const e = f.evidence ?? {};
  switch (f.category) {
    case 'blacklist':
      return str(e.external_ip) ?? str(e.name);
    case 'dns_blacklist':
      return str(e.listed);
    case 'beaconing':
      return str(e.destination);
    case 'port_scan':
      return e.direction === 'inbound' ? str(f.sourceIp) : undefined;
    case 'dns_tunnel':
      return e.variant === 'record_volume' ? undefined : str(e.parent);
    default:
      return undefined;
  }
}

const GUARDS: Record<string, string> = {
  admin_client: 'your own address (you cannot lock yourself out)',
  gateway: 'a gateway of this network',
  dns_resolver: 'a DNS resolver this network uses',
  home_assistant: 'Home Assistant',
  homesec_host: 'the host homesec runs on',
  block_target: 'a firewall or DNS filter homesec manages',
  allowlist: 'on the allowlist (block_allowlist)',
  internal_network: 'an internal network address',
  non_public: 'not a public address or name',
  public_suffix: 'a public suffix (it would block every site under it)',
};

/** A guard class in words ("an internal network address"); an unknown class as it is. */
export function guardText(guard: string): string {
  return GUARDS[guard] ?? guard.replace(/_/g, ' ');
}

/** Clips text to the API's reason limit. */
export function clipReason(s: string): string {
  return s.length > 500 ? `${s.slice(0, 499)}…` : s;
}
