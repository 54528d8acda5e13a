/**
 * Test support: drives Debian's real flow tools — softflowd (exporter, reading a pcap) and
 * nfcapd/nfdump (the reference collector) — on loopback only.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tuple {
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  packets: number;
  bytes: number;
}

/** Exports a pcap with softflowd to 127.0.0.1:port as NetFlow v5, v9 or IPFIX (10); resolves when softflowd exits. */
export async function softflowdExport(pcap: string, port: number, version: 5 | 9 | 10, workDir: string, extra: string[] = []): Promise<void> {
  // stdin must not be a pipe: softflowd -r then never exits
  const proc = spawn(
    'softflowd',
    ['-r', pcap, '-n', `127.0.0.1:${port}`, '-v', String(version), '-p', path.join(workDir, `sf-${port}.pid`), '-c', 'none', '-d', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`softflowd exited with ${code}: ${stderr}`);
}

export interface Nfcapd {
  /** Stops nfcapd (SIGTERM flushes its file) and returns every flow nfdump reads back. */
  stopAndRead(): Promise<Tuple[]>;
}

/** Starts nfcapd on 127.0.0.1:port writing into dir (with the given socket buffer). */
export async function startNfcapd(port: number, dir: string, bufferBytes = 8 * 1024 * 1024): Promise<Nfcapd> {
  fs.mkdirSync(dir, { recursive: true });
  const proc = spawn('nfcapd', ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-B', String(bufferBytes)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (c) => {
      exitCode = c;
      resolve();
    }),
  );
  // wait until nfcapd says it is ready
  for (let i = 0; i < 100 && !log.includes('Startup') && exitCode === undefined; i++) await new Promise((r) => setTimeout(r, 20));
  if (!log.includes('Startup')) throw new Error(`nfcapd did not start: ${log}`);
  return {
    async stopAndRead() {
      proc.kill('SIGTERM');
      await exited;
      const { stdout } = await run('nfdump', ['-R', dir, '-q', '-N', '-o', 'fmt:%pr %sa %da %sp %dp %pkt %byt'], { maxBuffer: 64 * 1024 * 1024 });
      return stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0)
        .map((l) => {
          const [proto, src, dst, sport, dport, packets, bytes] = l.split(/\s+/);
          return {
            proto: proto === 'TCP' ? 6 : proto === 'UDP' ? 17 : Number(proto),
            src: src as string,
            dst: dst as string,
            sport: Number(sport),
            dport: Number(dport),
            packets: Number(packets),
            bytes: Number(bytes),
          };
        });
    },
  };
}

/** Canonical sorted text lines of tuples, for multiset comparison. */
export function canonical(tuples: readonly Tuple[]): string[] {
  return tuples.map((t) => `${t.proto} ${t.src}:${t.sport} > ${t.dst}:${t.dport} p=${t.packets} b=${t.bytes}`).sort();
}
