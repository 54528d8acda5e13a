/**
 * Formatting helpers (pure). Rules: output is plain text for text nodes; nothing here builds
 * HTML. Times are Unix milliseconds; `now` is injectable for tests.
 */

export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function count(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US');
}

export function ago(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < -5) return 'in the future';
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} d ago`;
}

export function dateTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return '–';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** An ISO date (NVD's "2024-07-01T13:15:00.000") as YYYY-MM-DD. */
export function isoDay(s: string | undefined): string {
  return s ? s.slice(0, 10) : '–';
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

export function seconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** Numeric-aware comparison of IPv4/IPv6 text (192.168.1.9 < 192.168.1.10). */
export function compareIp(a: string | undefined, b: string | undefined): number {
  const ka = ipKey(a ?? '');
  const kb = ipKey(b ?? '');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function ipKey(ip: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return `4${ip.split('.').map((p) => p.padStart(3, '0')).join('.')}`;
  return `6${ip}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
