/**
 * Distribution and OS hints read from version text ("Debian-2+deb12u3", "(Ubuntu)",
 * "10.11.6-MariaDB-0+deb12u1", "1:10.11.6+maria~ubu2204", "FreeBSD-20230316", "(Win64)").
 *
 * Rules:
 * - A data table, tried in order; the first row that matches wins. Derivative distributions
 *   come before their parent (Ubuntu and Raspbian packages carry Debian markers too).
 * - Only the first MAX_SCAN characters are looked at; pure, never throws.
 */

const MAX_SCAN = 200;

interface DistroRow {
  pattern: RegExp;
  /** Lower-case distribution key (Service.distro), when the text names a Linux distribution. */
  distro?: string;
  /** Lower-case OS key (Service.osHint). */
  osHint: string;
}

const DISTRO_ROWS: readonly DistroRow[] = [
  { pattern: /ubuntu|(?:^|[^A-Za-z])ubu\d{2}/i, distro: 'ubuntu', osHint: 'linux' },
  { pattern: /raspbian/i, distro: 'raspbian', osHint: 'linux' },
  { pattern: /debian|deb\d{1,2}u\d+|[~+]deb\d{1,2}\b/i, distro: 'debian', osHint: 'linux' },
  { pattern: /fedora|\.fc\d{1,2}\b/i, distro: 'fedora', osHint: 'linux' },
  { pattern: /centos/i, distro: 'centos', osHint: 'linux' },
  { pattern: /red ?hat|\brhel\b|\.el\d{1,2}(?:_\d+)?\b/i, distro: 'rhel', osHint: 'linux' },
  { pattern: /alpine/i, distro: 'alpine', osHint: 'linux' },
  { pattern: /suse/i, distro: 'suse', osHint: 'linux' },
  { pattern: /openwrt|\blede\b/i, distro: 'openwrt', osHint: 'linux' },
  { pattern: /gentoo/i, distro: 'gentoo', osHint: 'linux' },
  { pattern: /arch ?linux/i, distro: 'arch', osHint: 'linux' },
  { pattern: /freebsd/i, osHint: 'freebsd' },
  { pattern: /openbsd/i, osHint: 'openbsd' },
  { pattern: /netbsd/i, osHint: 'netbsd' },
  { pattern: /win(?:32|64)|windows/i, osHint: 'windows' },
  { pattern: /mac ?os|darwin/i, osHint: 'macos' },
  { pattern: /\blinux\b/i, osHint: 'linux' },
  { pattern: /\bunix\b/i, osHint: 'unix' },
];

export interface DistroHint {
  distro?: string;
  osHint?: string;
}

/** The distribution and OS named in `text`, or {} when it names none. */
export function distroFrom(text: string | undefined): DistroHint {
  if (!text) return {};
  const head = text.slice(0, MAX_SCAN);
  for (const row of DISTRO_ROWS) {
    if (row.pattern.test(head)) return row.distro ? { distro: row.distro, osHint: row.osHint } : { osHint: row.osHint };
  }
  return {};
}

/**
 * The release a package version names, for an OS detail: "deb12u3" / "+deb12" → "12",
 * "0ubuntu0.22.04.1" / "~ubu2204" → "22.04". Undefined when the text names none.
 */
export function distroRelease(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const head = text.slice(0, MAX_SCAN);
  const deb = /deb(\d{1,2})u\d+|[~+]deb(\d{1,2})\b/i.exec(head);
  if (deb) return deb[1] ?? deb[2];
  const ubu = /ubuntu\d*\.(\d{2}\.\d{2})|(?:^|[^A-Za-z])ubu(\d{2})(\d{2})/i.exec(head);
  if (ubu) return ubu[1] ?? `${ubu[2]}.${ubu[3]}`;
  return undefined;
}
