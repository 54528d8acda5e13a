/**
 * Services that legitimately use DNS queries as a lookup protocol, with many unique,
 * long or encoded subdomains per client: DNS blocklists (a mail server asks
 * `4.3.2.1.zen.spamhaus.org`), anti-virus and reputation clouds (file hashes encoded in
 * names), and DNS-based telemetry. The tunnelling detector ignores their domains. Data, not
 * code: extend freely. Sources: the services' own documentation (Spamhaus DNSBL usage,
 * SpamCop, SORBS, Barracuda BRBL, SURBL, URIBL, DNSWL, Cisco Talos/SenderBase, McAfee GTI
 * (avqs.mcafee.com), Sophos Live Protection (sophosxl.net), ESET LiveGrid (e5.sk),
 * Team Cymru malware hash registry (malware.hash.cymru.com), Avast/AVG (avast.com)).
 */
export const LOOKUP_SERVICE_DOMAINS: readonly string[] = [
  'spamhaus.org', 'spamhaus.net', 'spamcop.net', 'sorbs.net', 'barracudacentral.org', 'surbl.org', 'uribl.com',
  'dnswl.org', 'senderbase.org', 'mailspike.net', 'abuseat.org', 'mcafee.com', 'sophosxl.net', 'e5.sk',
  'cymru.com', 'avast.com', 'avg.com', 'trendmicro.com', 'kaspersky-labs.com', 'bitdefender.net', 'mailshell.net',
];

const SET = new Set(LOOKUP_SERVICE_DOMAINS);

/** True when the registrable domain belongs to a DNS lookup service. */
export function isLookupService(registrable: string): boolean {
  return SET.has(registrable);
}
