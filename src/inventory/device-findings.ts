/**
 * The findings the inventory reports, as pure builders.
 *
 * new_device (key `new_device:<mac>`, or `new_device:<ip>` for a device known by address
 * only): a device never seen before, outside the learning baseline and not trusted.
 * Severity: low for a device with a registered vendor, a randomised (private) MAC — phones
 * and laptops use those by default, so every visitor's phone would otherwise be a medium
 * alert — or no MAC at all (seen in flows only, e.g. behind another router); medium when the
 * MAC is a globally administered address whose OUI is in no IEEE registry: no honest NIC
 * ships with one, so it is forged or from a grey-market module.
 *
 * exposure (key `exposure:<ip>:<port>`): a dangerous service (exposure-rules.ts), with the
 * rule's severity (LAN or internet) and remediation hint.
 *
 * Rules: evidence carries the facts (IP, MAC, vendor, hostname, service) as plain bounded
 * text — names and banners are attacker-chosen and were sanitised before they got here;
 * texts are short; nothing here decides whether to report (the component does).
 */
import type { FindingReport, Severity } from '../findings/types.js';
import type { Exposure } from './exposure-rules.js';
import { deviceLabel } from './recommendations.js';
import type { Device } from './types.js';

const BANNER_EVIDENCE = 200;

/** Severity of a new-device finding (see module rules). */
export function newDeviceSeverity(d: Pick<Device, 'mac' | 'vendor' | 'randomizedMac'>): Severity {
  return d.mac !== undefined && !d.randomizedMac && d.vendor === undefined ? 'medium' : 'low';
}

/** The new_device finding for `d`, first seen at `atMs`. */
export function newDeviceFinding(d: Device, atMs: number): FindingReport {
  const ip = d.ip ?? d.ips[d.ips.length - 1]?.ip ?? 'unknown';
  const mac = d.mac ? `${d.mac}${d.randomizedMac ? ' (private/randomised)' : ''}` : 'unknown';
  const vendor = d.vendor ?? (d.randomizedMac ? 'unknown (private MAC)' : d.mac ? 'unregistered OUI' : 'unknown');
  return {
    key: `new_device:${d.mac ?? ip}`,
    category: 'new_device',
    severity: newDeviceSeverity(d),
    sourceIp: ip,
    title: `New device on the network: ${deviceLabel(d)}`,
    detail: `First seen at ${ip}; MAC ${mac}; vendor ${vendor}; hostname ${d.hostname ?? 'none'}${d.name ? `; name ${d.name}` : ''}.`,
    atMs,
    evidence: {
      deviceId: d.id,
      ip,
      mac: d.mac ?? null,
      randomizedMac: d.randomizedMac,
      vendor: d.vendor ?? null,
      hostname: d.hostname ?? null,
      name: d.name ?? null,
    },
    remediation:
      'If you know this device, mark it trusted (and set its role if the guess is wrong). If you do not, find it in your router\'s client list, block it, and change the Wi-Fi password.',
  };
}

/** The exposure finding for one exposure of `d` (which must have a current address). */
export function exposureFinding(d: Device, e: Exposure, atMs: number): FindingReport {
  const ip = d.ip ?? 'unknown';
  const where = e.internet ? 'reachable from the internet' : 'open';
  const s = e.service;
  const evidence: Record<string, unknown> = {
    deviceId: d.id,
    ip,
    port: e.port,
    rule: e.ruleId,
    internet: e.internet,
    mac: d.mac ?? null,
    role: d.role,
  };
  if (e.source) evidence.source = e.source;
  if (s) {
    evidence.service = s.name;
    if (s.product) evidence.product = s.productName ?? s.product;
    if (s.version) evidence.version = s.version;
    if (s.extra) evidence.extra = s.extra.slice(0, BANNER_EVIDENCE);
    if (s.banner) evidence.banner = s.banner.slice(0, BANNER_EVIDENCE);
  }
  return {
    key: `exposure:${ip}:${e.port}`,
    category: 'exposure',
    severity: e.severity,
    sourceIp: ip,
    title: `${e.label} ${where} on ${deviceLabel(d)}, port ${e.port}`,
    detail: e.source ? `${e.risk} (seen: ${e.source})` : e.risk,
    atMs,
    evidence,
    remediation: e.remediation,
  };
}
