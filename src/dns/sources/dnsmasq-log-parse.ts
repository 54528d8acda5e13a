/**
 * PURE parser of the dnsmasq query log (`log-queries`), which is also Pi-hole's
 * /var/log/pihole/pihole.log. One line in, one event out; never throws.
 *
 * Formats (dnsmasq cache.c log_query, Pi-hole FTL; checked against Debian dnsmasq 2.90):
 *   `Mmm dd HH:MM:SS [host ]dnsmasq[PID]: query[A] example.com from 192.168.1.10`
 *   `... forwarded example.com to 1.1.1.1`
 *   `... reply example.com is 93.184.216.34` (or NXDOMAIN, NODATA-IPv6, <CNAME>, SERVFAIL, ...)
 *   `... cached example.com is ...`, `... cached-stale ...`, `... config x is ...`, `... /etc/hosts x is ...`
 *   `... gravity blocked ads.x is 0.0.0.0`, `regex blacklisted|denied`, `exactly blacklisted|denied`,
 *   `special domain x is NXDOMAIN` (Pi-hole).
 *   With `log-queries=extra` a serial number and the client address/port precede the verb:
 *   `... dnsmasq[PID]: 7 192.168.1.10/51335 query[A] example.com from 192.168.1.10`.
 * Names are split at the LAST " from " / " is " so a hostile name containing those words
 * (or `<img src=x onerror=...>`, logged verbatim by dnsmasq) stays one plain name.
 * Syslog timestamps carry no year or zone: they are read as local time in the year that
 * puts them at most two days after `nowMs`.
 */

export type LogEvent =
  | { kind: 'query'; id: string | undefined; timeMs: number; qtype: string; name: string; client: string }
  | { kind: 'forwarded'; id: string | undefined; name: string; upstream: string }
  | { kind: 'answer'; id: string | undefined; name: string; how: 'reply' | 'cached' | 'local' | 'blocked'; answer: string }
  /** A well-formed dnsmasq line that is not about a query (start-up, DHCP, DNSSEC, cache dumps). */
  | { kind: 'other' }
  /** Not a dnsmasq log line, or a query line missing its parts. */
  | { kind: 'bad' };

/** Characters of a line considered at most (longer lines are bad). */
export const MAX_LINE_CHARS = 4096;

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const PREFIX = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (?:\S+ )?(?:dnsmasq|pihole-FTL)(?:\[\d+(?:\/\d+)?\])?: (.*)$/;
const EXTRA = /^(\d{1,10}) ([0-9A-Fa-f:.]{2,45})\/(\d{1,5}) (.*)$/;
const QUERY = /^query\[([A-Za-z0-9=]{1,12})\] (.+) from (\S+)$/;
const FORWARDED = /^forwarded (.+) to (\S+)$/;
const IS = /^(.+) is (.+)$/;
const BLOCK_VERB = /^((?:[a-z]+ )?(?:blocked|blacklisted|denied)(?: \(CNAME\))?|special domain) /;

/** Local time of a syslog timestamp (see module rules), or NaN. */
function syslogTime(mon: string, day: string, h: string, m: string, s: string, nowMs: number): number {
  const month = MONTHS[mon];
  if (month === undefined) return Number.NaN;
  const now = new Date(nowMs);
  let t = new Date(now.getFullYear(), month, Number(day), Number(h), Number(m), Number(s)).getTime();
  if (t > nowMs + 2 * 86_400_000) t = new Date(now.getFullYear() - 1, month, Number(day), Number(h), Number(m), Number(s)).getTime();
  return t;
}

/** Parses one log line (without its line break). */
export function parseLogLine(line: string, nowMs: number): LogEvent {
  if (line.length === 0 || line.length > MAX_LINE_CHARS) return { kind: 'bad' };
  const p = PREFIX.exec(line);
  if (!p) return { kind: 'bad' };
  let msg = p[6] as string;
  let id: string | undefined;
  const x = EXTRA.exec(msg);
  if (x) {
    id = x[1];
    msg = x[4] as string;
  }
  if (msg.startsWith('query[')) {
    const q = QUERY.exec(msg);
    const timeMs = syslogTime(p[1] as string, p[2] as string, p[3] as string, p[4] as string, p[5] as string, nowMs);
    if (!q || !Number.isFinite(timeMs)) return { kind: 'bad' };
    return { kind: 'query', id, timeMs, qtype: q[1] as string, name: q[2] as string, client: q[3] as string };
  }
  if (msg.startsWith('forwarded ')) {
    const f = FORWARDED.exec(msg);
    return f ? { kind: 'forwarded', id, name: f[1] as string, upstream: f[2] as string } : { kind: 'bad' };
  }
  const b = BLOCK_VERB.exec(msg);
  let how: 'reply' | 'cached' | 'local' | 'blocked' | undefined;
  let rest = msg;
  if (b) {
    how = 'blocked';
    rest = msg.slice((b[0] as string).length);
  } else {
    const sp = msg.indexOf(' ');
    const verb = sp < 0 ? msg : msg.slice(0, sp);
    if (verb === 'reply') how = 'reply';
    else if (verb === 'cached' || verb === 'cached-stale') how = 'cached';
    else if (verb === 'config' || verb.startsWith('/')) how = 'local';
    if (how) rest = msg.slice(sp + 1);
  }
  if (!how) return { kind: 'other' };
  const is = IS.exec(rest);
  if (!is) return { kind: 'bad' };
  return { kind: 'answer', id, name: is[1] as string, how, answer: is[2] as string };
}
