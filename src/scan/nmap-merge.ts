/**
 * Merging nmap's findings into homesec's own (scan_use_nmap). Rules: pure; homesec's result
 * is the base; nmap adds open ports homesec missed, fills product/version/CPE where nmap is
 * more confident (keeping homesec's HTTP, TLS and banner details), and replaces the OS guess
 * when its accuracy beats ours. Every merged field names its source (method "nmap").
 */
import type { NmapHost } from './nmap-xml.js';
import type { HostScan, Service } from './types.js';

/** Returns a new HostScan with nmap's results merged in. */
export function mergeNmap(ours: HostScan, nmap: NmapHost | undefined): HostScan {
  if (!nmap) return ours;
  const out: HostScan = { ...ours, openPorts: [...ours.openPorts], services: ours.services.map((s) => ({ ...s })) };
  for (const p of nmap.ports) {
    if (p.state !== 'open') continue;
    if (!out.openPorts.includes(p.port)) out.openPorts.push(p.port);
    const theirs = p.service;
    if (!theirs) continue;
    const mine = out.services.find((s) => s.port === p.port);
    if (!mine) {
      out.services.push(theirs);
      continue;
    }
    if (theirs.product && (!mine.product || theirs.confidence > mine.confidence || (!mine.version && theirs.version))) {
      const merged: Service = { ...mine, product: theirs.product, productName: theirs.productName, method: `${mine.method}+nmap` };
      if (theirs.version) merged.version = theirs.version;
      if (theirs.extra) merged.extra = theirs.extra;
      if (theirs.cpe) merged.cpe = [...new Set([...(mine.cpe ?? []), ...theirs.cpe])];
      merged.confidence = Math.max(mine.confidence, theirs.confidence);
      Object.assign(mine, merged);
    }
  }
  out.openPorts.sort((a, b) => a - b);
  out.services.sort((a, b) => a.port - b.port);
  if (out.openPorts.length > 0 && !out.alive) {
    out.alive = true;
    out.aliveBy = 'tcp';
  }
  if (nmap.os && nmap.os.confidence > (out.os?.confidence ?? 0)) out.os = nmap.os;
  return out;
}
