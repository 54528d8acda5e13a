/**
 * ICMP echo through the system `ping` (iputils), since Node has no ICMP sockets. Rules: the
 * target is passed as one argv element after validation as an IP literal (never a shell,
 * never a hostname, never an option); one echo per call with a whole-second wait; a missing
 * or unpermitted ping binary yields `{ alive: false, error }`, never a throw, and the
 * scanner falls back to TCP liveness. Output parsing is pure (parsePingOutput).
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';

export interface PingResult {
  alive: boolean;
  rttMs?: number;
  ttl?: number;
  /** Why no answer could be had at all (binary missing, not permitted). */
  error?: string;
}

/** Extracts ttl and time from iputils/busybox ping output; alive when a reply line is present. */
export function parsePingOutput(text: string): PingResult {
  const m = /bytes from [^\n]*?ttl=(\d{1,3})[^\n]*?time[=<]([\d.]+) ?ms/i.exec(text);
  if (!m) return { alive: false };
  const ttl = Number(m[1]);
  const rttMs = Number(m[2]);
  return { alive: true, ttl: ttl <= 255 ? ttl : undefined, rttMs: Number.isFinite(rttMs) ? rttMs : undefined };
}

/** Pings `ip` once, waiting up to `waitSeconds` (1..10) for the reply; `signal` ends the wait early (not alive). */
export function ping(ip: string, waitSeconds: number, pingPath = 'ping', signal?: AbortSignal): Promise<PingResult> {
  const family = isIP(ip);
  if (family === 0) return Promise.resolve({ alive: false, error: `not an IP address: ${JSON.stringify(ip.slice(0, 64))}` });
  const wait = String(Math.min(10, Math.max(1, Math.round(waitSeconds))));
  const args = [family === 6 ? '-6' : '-4', '-n', '-c', '1', '-W', wait, '--', ip];
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve({ alive: false });
    execFile(pingPath, args, { timeout: (Number(wait) + 2) * 1000, maxBuffer: 64 * 1024, signal }, (err, stdout) => {
      const parsed = parsePingOutput(String(stdout));
      if (parsed.alive) return resolve(parsed);
      if (signal?.aborted) return resolve({ alive: false });
      const code = (err as NodeJS.ErrnoException | null)?.code;
      // exit status 1 = no reply; anything else (ENOENT, EPERM, status 2) is an inability to ping.
      if (err && code !== undefined && (code as unknown) !== 1) return resolve({ alive: false, error: `ping unavailable: ${String(code)}` });
      resolve({ alive: false });
    });
  });
}
