/**
 * Where the guards' protected addresses and names come from: the configuration (gateways,
 * resolvers, Home Assistant hosts, the allowlist, internal_networks), the hosts of the URLs
 * homesec talks to (Home Assistant, MQTT, the DNS source, the block targets; names are
 * protected as names and resolved to addresses), and what the host says about itself
 * (host-facts.ts). Rules: gathering never fails (a lookup that fails adds nothing, the rest
 * still protects); the result is a fresh Protection (guards.ts) plus counts per class for
 * the status view.
 */
import type { Config } from '../config/schema.js';
import type { BlockOptions } from './block-config.js';
import { buildProtection, type Protection } from './guards.js';
import { urlHost, type HostFacts } from './host-facts.js';
import { canonicalSubject } from './subjects.js';

export type ProtectionConfig = Pick<
  BlockOptions,
  'block_allowlist' | 'block_gateways' | 'block_dns_resolvers' | 'block_homeassistant_hosts' | 'block_opnsense_url' | 'block_mikrotik_url' | 'block_pihole_url'
> &
  Pick<Config, 'internal_networks' | 'dns_local_resolvers' | 'dns_source' | 'dns_url' | 'ha_url' | 'mqtt_url'>;

/** The Protection for `c` and `facts`, resolving host names with `resolve`. */
export async function gatherProtection(
  c: ProtectionConfig,
  facts: HostFacts,
  resolve: (name: string) => Promise<string[]>,
): Promise<{ protection: Protection; counts: Record<string, number> }> {
  const hostsOf = (urls: string[]) => urls.map(urlHost).filter((h): h is string => h !== undefined);
  const withAddresses = async (hosts: string[]) => {
    const out = [...hosts];
    for (const h of hosts) if (canonicalSubject(h)?.kind === 'domain') out.push(...(await resolve(h).catch(() => [])));
    return out;
  };
  const dnsHosts = c.dns_source === 'none' ? [] : hostsOf([c.dns_url]);
  const protection = buildProtection({
    internalNetworks: c.internal_networks,
    allowlist: c.block_allowlist,
    named: [
      { cls: 'gateway', values: [...c.block_gateways, ...facts.gateways] },
      { cls: 'dns_resolver', values: [...c.block_dns_resolvers, ...c.dns_local_resolvers, ...facts.resolvers, ...(await withAddresses(dnsHosts))] },
      { cls: 'home_assistant', values: [...c.block_homeassistant_hosts, ...(await withAddresses(hostsOf([c.ha_url, c.mqtt_url])))] },
      { cls: 'homesec_host', values: facts.ownAddresses },
      { cls: 'block_target', values: await withAddresses(hostsOf([c.block_opnsense_url, c.block_mikrotik_url, c.block_pihole_url])) },
    ],
  });
  const counts: Record<string, number> = {};
  for (const cls of [...protection.ips.values(), ...protection.names.values()]) counts[cls] = (counts[cls] ?? 0) + 1;
  counts.internal_network = c.internal_networks.length;
  return { protection, counts };
}
