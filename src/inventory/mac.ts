/**
 * MAC addresses. Rules: pure functions; a MAC is stored in one canonical form, six lower-case
 * hex pairs joined by colons (`aa:bb:cc:dd:ee:ff`); input in the usual spellings
 * (colons, dashes, Cisco dots, bare hex, any case) is accepted, anything else is undefined.
 * Addresses that do not name one device are refused: all zeros (an incomplete neighbour
 * entry), broadcast, and group addresses (I/G bit set: multicast such as 01:00:5e:…).
 * A locally administered address (U/L bit, 0x02 of the first octet) is not from the IEEE
 * registry: phones, tablets and laptops use such "private"/randomised addresses per network
 * or per connection, so it says nothing about the vendor and may change. Known virtual-NIC
 * prefixes (QEMU/KVM 52:54:00, Docker 02:42) are locally administered but stable; they are
 * reported as virtual, not randomised.
 */

/** Locally administered prefixes that hypervisors and container engines assign (stable per VM/container). */
export const VIRTUAL_MAC_PREFIXES: readonly { prefix: string; label: string }[] = [
  { prefix: '52:54:00', label: 'QEMU/KVM virtual NIC' },
  { prefix: '02:42', label: 'Docker container' },
  { prefix: '00:15:5d', label: 'Hyper-V virtual NIC' },
];

/** The canonical form of `text`, or undefined when it is not a unicast MAC of one device. */
export function normaliseMac(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 32) return undefined;
  const t = text.trim().toLowerCase();
  let hex: string;
  if (/^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/.test(t)) {
    hex = t
      .split(/[:-]/)
      .map((p) => p.padStart(2, '0'))
      .join('');
  } else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(t) || /^[0-9a-f]{12}$/.test(t)) {
    hex = t.replace(/\./g, '');
  } else {
    return undefined;
  }
  if (hex === '000000000000' || hex === 'ffffffffffff') return undefined;
  const first = parseInt(hex.slice(0, 2), 16);
  if ((first & 0x01) !== 0) return undefined;
  return hex.match(/../g)?.join(':');
}

/** True when the (canonical) MAC is locally administered and not a known virtual-NIC prefix. */
export function isRandomizedMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  if (!Number.isInteger(first) || (first & 0x02) === 0) return false;
  return virtualMacLabel(mac) === undefined;
}

/** The virtual-NIC label of a (canonical) MAC, e.g. "QEMU/KVM virtual NIC", or undefined. */
export function virtualMacLabel(mac: string): string | undefined {
  return VIRTUAL_MAC_PREFIXES.find((v) => mac.startsWith(v.prefix))?.label;
}
