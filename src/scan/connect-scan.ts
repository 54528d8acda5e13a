/**
 * TCP connect scan (what `nmap -sT` does, no root needed). Rules: one full connect per
 * probe; a completed handshake is `open`, a reset (ECONNREFUSED) is `closed`, no answer
 * within the timeout is `filtered` and is retried `retries` times; "host unreachable"
 * answers mark the port filtered and the host unreachable. Sockets are bounded overall
 * (`concurrency`) and per host (`hostConcurrency`); probes interleave hosts (port-major
 * order) so no single host is flooded. Timeouts adapt per host like RFC 6298's RTO: after
 * the first answers, a retry waits srtt + 4*rttvar (within [minTimeoutMs, timeoutMs]),
 * which is how nmap keeps filtered ports cheap on a fast LAN. Each probe goes through a
 * dialer (tcp-dial.ts): Node's TCP handle directly when available, else net.Socket.
 */
import { Socket } from 'node:net';
import { bestDialer, socketDialer, type Dial, type DialListener } from './tcp-dial.js';

export type ProbeOutcome = 'open' | 'closed' | 'filtered' | 'unreachable';

export interface ProbeResult {
  outcome: ProbeOutcome;
  rttMs: number;
}

/** Connects once to ip:port; never rejects. */
export function connectProbe(ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = new Socket();
    let done = false;
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve({ outcome, rttMs: performance.now() - t0 });
    };
    const onAbort = (): void => finish('filtered');
    const timer = setTimeout(() => finish('filtered'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => finish('open'));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish('closed');
      else if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'EHOSTDOWN') finish('unreachable');
      else finish('filtered');
    });
    sock.connect({ host: ip, port });
  });
}

/** Per-host round-trip estimator (RFC 6298 section 2). */
export class RttEstimator {
  private srtt = -1;
  private rttvar = 0;
  sample(rttMs: number): void {
    if (this.srtt < 0) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
  }
  /** Smoothed RTT in ms, or undefined before the first sample. */
  smoothed(): number | undefined {
    return this.srtt < 0 ? undefined : this.srtt;
  }
  /** The timeout to use: srtt + 4*rttvar within [min, max]; max before any sample. */
  timeout(minMs: number, maxMs: number): number {
    if (this.srtt < 0) return maxMs;
    return Math.min(maxMs, Math.max(minMs, this.srtt + 4 * this.rttvar));
  }
}

export interface ConnectScanOptions {
  ports: readonly number[];
  /** First-attempt timeout and the ceiling of adaptive timeouts, ms. */
  timeoutMs: number;
  /** Floor of adaptive timeouts, ms. */
  minTimeoutMs: number;
  /** Extra attempts for ports that gave no answer. */
  retries: number;
  concurrency: number;
  hostConcurrency: number;
  /**
   * Work shared with other threads (parallel-connect-scan.ts) that scan the same hosts and
   * ports: the hosts are dealt round-robin into `sharedCursor.length` shards, and element s of
   * this Int32Array on a SharedArrayBuffer is the next unclaimed probe of shard s (port-major).
   * A thread claims probes from its own shard `shard` first — each namespace/host stays on one
   * core while there is work — then from the other shards, so a thread that falls behind
   * (descheduled, slower hosts) leaves its rest to the others. Without it the scan does every
   * probe itself.
   */
  sharedCursor?: Int32Array;
  shard?: number;
  /** How each probe connects: 'native' (default; Node's TCP handle when available, see tcp-dial.ts) or 'socket' (net.Socket). */
  dialer?: 'native' | 'socket';
  signal?: AbortSignal;
  /** Called after each probe with (probes done, probes planned so far). */
  onProgress?: (done: number, total: number) => void;
}

export interface PortScanResult {
  ip: string;
  open: number[];
  closed: number[];
  filtered: number[];
  /** True when the network said the host is unreachable (ARP/route failure). */
  unreachable: boolean;
  /** Smoothed connect RTT in ms, when any port answered. */
  rttMs?: number;
}

/** Probes a thread claims from a shared cursor at a time. */
const CLAIM = 8;

/**
 * Scans `ports` on every host; resolves with one result per host (ports sorted). With
 * `sharedCursor`, only the probes this thread claimed are in the results.
 */
export function connectScan(hosts: readonly string[], opts: ConnectScanOptions): Promise<Map<string, PortScanResult>> {
  return new Promise((resolve) => {
    interface HostState {
      ip: string;
      rtt: RttEstimator;
      res: PortScanResult;
      inflight: number;
      /** Probes waiting because the host was at hostConcurrency. */
      waiting: Task[];
    }
    interface Task {
      h: HostState;
      port: number;
      attempt: number;
    }
    const dialer = opts.dialer === 'socket' ? socketDialer : bestDialer();
    class Flight implements DialListener {
      conn: Dial;
      readonly t0 = performance.now();
      readonly deadline: number;
      constructor(
        readonly task: Task,
        timeout: number,
      ) {
        this.deadline = this.t0 + timeout;
        this.conn = dialer.dial(task.h.ip, task.port, this);
      }
      onDial(outcome: ProbeOutcome): void {
        complete(this, outcome);
      }
    }
    const states: HostState[] = hosts.map((ip) => ({
      ip,
      rtt: new RttEstimator(),
      res: { ip, open: [], closed: [], filtered: [], unreachable: false },
      inflight: 0,
      waiting: [],
    }));
    // Port-major order: every host gets its first port before any host gets its second.
    // Probe i of a shard is port ports[i / hosts] on its host i % hosts; [next, end) is the
    // current claim, order[k] the shard it is from (own shard first).
    const planned = opts.ports.length * states.length;
    const cursor = opts.sharedCursor;
    const n = cursor ? cursor.length : 1;
    const shards = Array.from({ length: n }, (_, sh) => states.filter((_, i) => i % n === sh));
    const order = Array.from({ length: n }, (_, k) => ((opts.shard ?? 0) + k) % n);
    let k = 0;
    let next = 0;
    let end = cursor ? 0 : planned;
    let exhausted = planned === 0;
    const nextTask = (): Task | undefined => {
      while (next >= end) {
        if (!cursor || k >= n) {
          exhausted = true;
          return undefined;
        }
        const sh = order[k]!;
        next = Atomics.add(cursor, sh, CLAIM);
        end = Math.min(next + CLAIM, opts.ports.length * shards[sh]!.length);
        if (next >= end) k++;
      }
      const hs = shards[order[k]!]!;
      const i = next++;
      return { h: hs[i % hs.length]!, port: opts.ports[Math.floor(i / hs.length)]!, attempt: 0 };
    };
    const flights = new Set<Flight>();
    let done = 0;
    let total = planned;
    let finished = false;

    const complete = (f: Flight, outcome: ProbeOutcome): void => {
      if (!flights.delete(f)) return;
      // An open port is left with a reset (SO_LINGER 0), as nmap -sT does: no FIN exchange and
      // no TIME_WAIT on our side, so thousands of probes do not use up local ports.
      f.conn.close(outcome === 'open');
      const { task } = f;
      const h = task.h;
      h.inflight--;
      done++;
      if (outcome === 'open' || outcome === 'closed') h.rtt.sample(performance.now() - f.t0);
      if (outcome === 'open') h.res.open.push(task.port);
      else if (outcome === 'closed') h.res.closed.push(task.port);
      else if (outcome === 'unreachable') {
        h.res.unreachable = true;
        h.res.filtered.push(task.port);
      } else if (task.attempt < opts.retries && !opts.signal?.aborted) {
        total++;
        h.waiting.push({ h, port: task.port, attempt: task.attempt + 1 });
      } else h.res.filtered.push(task.port);
      opts.onProgress?.(done, total);
      const next = h.waiting.shift();
      if (next) launch(next);
      pump();
    };

    const launch = (task: Task): void => {
      const h = task.h;
      h.inflight++;
      const timeout = task.attempt === 0 ? opts.timeoutMs : h.rtt.timeout(opts.minTimeoutMs, opts.timeoutMs);
      flights.add(new Flight(task, timeout));
    };

    const pump = (): void => {
      if (opts.signal?.aborted) exhausted = true;
      while (flights.size < opts.concurrency && !exhausted) {
        const task = nextTask();
        if (!task) break;
        if (task.h.inflight >= opts.hostConcurrency) task.h.waiting.push(task);
        else launch(task);
      }
      // Retries and deferred probes of hosts with free capacity.
      if (flights.size < opts.concurrency) {
        for (const h of states) {
          while (h.waiting.length > 0 && h.inflight < opts.hostConcurrency && flights.size < opts.concurrency) {
            if (opts.signal?.aborted) h.waiting.length = 0;
            else launch(h.waiting.shift()!);
          }
        }
      }
      if (flights.size === 0 && exhausted && !finished) finish();
    };

    // One sweep timer for every deadline instead of a timer per probe.
    const sweep = setInterval(() => {
      const now = performance.now();
      const aborted = opts.signal?.aborted === true;
      for (const f of flights) if (aborted || now >= f.deadline) complete(f, 'filtered');
    }, 10);

    const finish = (): void => {
      finished = true;
      clearInterval(sweep);
      const out = new Map<string, PortScanResult>();
      const sort = (a: number[]) => a.sort((x, y) => x - y);
      for (const h of states) {
        sort(h.res.open);
        sort(h.res.closed);
        sort(h.res.filtered);
        const s = h.rtt.smoothed();
        out.set(h.ip, s === undefined ? h.res : { ...h.res, rttMs: Math.round(s * 1000) / 1000 });
      }
      resolve(out);
    };
    pump();
  });
}
