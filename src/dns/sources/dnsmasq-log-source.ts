/**
 * The dnsmasq / Pi-hole query-log source (`dns_source: dnsmasq_log`): follows the file at
 * dns_log_path (file-follower.ts, `tail -F` semantics) and turns its lines into DnsQuery
 * records (dnsmasq-log-parse.ts + dnsmasq-assembler.ts). Needs dnsmasq's `log-queries`
 * (`log-queries=extra` joins lines exactly) and `log-facility=<file>`; Pi-hole writes
 * /var/log/pihole/pihole.log in this format. Non-query lines are skipped; malformed lines
 * are counted as bad records, never fatal.
 */
import type { Clock } from '../../core/clock.js';
import type { DnsQuery, DnsSource, DnsSourceStatus } from '../types.js';
import { createDnsmasqAssembler } from './dnsmasq-assembler.js';
import { parseLogLine } from './dnsmasq-log-parse.js';
import { createFileFollower, type FileFollowerOptions } from './file-follower.js';

export interface DnsmasqLogSourceConfig {
  dns_log_path: string;
}

export interface DnsmasqLogSourceOptions extends Partial<FileFollowerOptions> {
  /** Open queries kept at most while waiting for their answer lines. */
  maxPending?: number;
  /** An unanswered query is emitted after this long. */
  maxWaitMs?: number;
}

/** Creates the source; the file is opened on the first poll. */
export function createDnsmasqLogSource(config: DnsmasqLogSourceConfig, deps: { clock: Clock }, options: DnsmasqLogSourceOptions = {}): DnsSource {
  const follower = createFileFollower(config.dns_log_path, options);
  const assembler = createDnsmasqAssembler({ maxPending: options.maxPending ?? 5000, maxWaitMs: options.maxWaitMs ?? 10_000 });
  const st: DnsSourceStatus = { kind: 'dnsmasq_log', state: 'idle', polls: 0, queries: 0, badRecords: 0, errors: 0, counters: {} };
  let badLines = 0;
  let otherLines = 0;

  return {
    kind: 'dnsmasq_log',
    async start() {
      /* the file is opened (or waited for) by the first poll */
    },
    async poll() {
      const now = deps.clock.now();
      st.polls++;
      st.lastPollMs = now;
      const lines = await follower.read();
      const out: DnsQuery[] = [];
      for (const line of lines) {
        const e = parseLogLine(line, now);
        if (e.kind === 'bad') badLines++;
        else if (e.kind === 'other') otherLines++;
        else assembler.push(e, now, out);
      }
      assembler.flush(now, out);
      st.state = follower.state === 'open' ? 'ok' : 'waiting';
      if (follower.state === 'open') st.lastSuccessMs = now;
      st.queries += out.length;
      st.badRecords = badLines + assembler.counters.bad;
      return out;
    },
    async stop() {
      await follower.close();
    },
    status() {
      const f = follower.counters;
      const a = assembler.counters;
      return {
        ...st,
        errors: f.ioErrors,
        counters: {
          lines: f.lines,
          bytes: f.bytes,
          badLines,
          otherLines,
          longLines: f.longLines,
          rotations: f.rotations,
          truncations: f.truncations,
          orphanLines: a.orphans,
          unanswered: a.unanswered,
          pendingOverflow: a.overflow,
          pending: assembler.pending,
        },
      };
    },
  };
}
