/**
 * Device names from the network: DHCP client hostnames, reverse-DNS and mDNS answers, Home
 * Assistant device-tracker names. All of them are chosen by whoever controls the device or
 * the resolver, so they are hostile (hostile-input catalogue #17-19: resolver error text, the
 * numeric name `123456`, 300-character names, `<img onerror>` in a DHCP hostname). Rules:
 * pure functions, never throw; a hostname must look like one (labels of letters, digits,
 * `-` and `_`, at most 63 characters each and 253 in all, not all-numeric, not an IP
 * address), otherwise it is no name at all; a display name (tracker friendly name) is any
 * text, made plain by sanitizeText (controls escaped) with whitespace collapsed and capped.
 * Neither is HTML-escaped here: views escape.
 */
import ipaddr from 'ipaddr.js';
import { sanitizeText } from '../scan/service/sanitize.js';

/** Characters of a display name kept at most. */
export const MAX_DISPLAY_NAME = 64;

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * A plain hostname (case kept, trailing dot and a `.local`/`.lan`/`.home` style suffix kept),
 * or undefined when `v` is not a string that looks like a hostname (see module rules).
 */
export function cleanHostname(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > 254) return undefined;
  let s = v.trim();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s.length === 0 || s.length > 253 || ipaddr.isValid(s)) return undefined;
  const labels = s.split('.');
  for (const l of labels) if (!LABEL.test(l)) return undefined;
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return undefined;
  return s;
}

/** A plain, bounded display name (see module rules), or undefined when nothing printable is left. */
export function cleanDisplayName(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const head = v.length > MAX_DISPLAY_NAME * 4 ? v.slice(0, MAX_DISPLAY_NAME * 4) : v;
  const collapsed = head.replace(/\s+/g, ' ').trim();
  const s = sanitizeText(collapsed, MAX_DISPLAY_NAME);
  return s === '' ? undefined : s;
}

/** The first label of a hostname, lower-case ("Johns-iPhone.lan" → "johns-iphone"), for matching rules. */
export function hostLabel(hostname: string): string {
  return (hostname.split('.')[0] ?? '').toLowerCase();
}
