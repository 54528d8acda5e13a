/**
 * THE list of DNS detectors. Rules: a detector runs only if it is listed here (the DNS
 * monitor builds one instance of each, in this order, and hands every DnsQuery, with its
 * name parts, to each; flow batches go to those with observeFlows); names are stable (they
 * label metrics) and equal the finding category each one raises.
 */
import type { DnsDetectorFactory } from './dns-detector.js';
import { dgaDetector } from './dga.js';
import { iotCategoryDetector } from './iot-category.js';
import { createNewDomainDetector } from './new-domain.js';
import { outsideResolverDetector } from './outside-resolver.js';
import { threatNameDetector } from './threat-name.js';
import { tunnelDetector } from './tunnel.js';

export const DNS_DETECTORS: readonly { name: string; create: DnsDetectorFactory }[] = [
  { name: 'dns_blacklist', create: threatNameDetector },
  { name: 'dns_dga', create: dgaDetector },
  { name: 'dns_tunnel', create: tunnelDetector },
  { name: 'dns_new_domain', create: (ctx) => createNewDomainDetector(ctx) },
  { name: 'dns_iot_category', create: iotCategoryDetector },
  { name: 'dns_outside_resolver', create: outsideResolverDetector },
];
