/**
 * A test network of real hosts in Linux network namespaces. Rules (the project's network
 * rule): every address is inside 198.18.0.0/15 (RFC 2544 benchmarking space, never routed),
 * on a bridge this lab creates in the root namespace; each host is its own namespace with a
 * veth on that bridge, running real Debian daemons (sshd, nginx, lighttpd, vsftpd, mosquitto)
 * with configs in a temp directory. `stop()` kills every process in the lab's namespaces and
 * deletes the namespaces, the bridge and the temp directory — call it in `afterAll`, even
 * after a failed start (createLab cleans up itself when it throws). Needs root + iproute2 +
 * nftables; `labSupport()` says why a lab cannot run so tests can skip with a reason.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type LabService = 'ssh' | 'nginx' | 'lighttpd' | 'vsftpd' | 'mosquitto';

export interface LabHostSpec {
  services: LabService[];
  /** Drop ICMP echo requests (the host still answers TCP). */
  blockIcmp?: boolean;
  /** TCP ports whose SYNs are silently dropped (nmap: filtered). */
  filteredPorts?: number[];
}

export interface LabHost {
  ip: string;
  ns: string;
  spec: LabHostSpec;
}

export interface Lab {
  /** The /24 the hosts live in, e.g. 198.18.7.0/24. */
  subnet: string;
  gatewayIp: string;
  hosts: LabHost[];
  stop(): Promise<void>;
}

const BINARIES: Record<LabService, string> = {
  ssh: '/usr/sbin/sshd',
  nginx: '/usr/sbin/nginx',
  lighttpd: '/usr/sbin/lighttpd',
  vsftpd: '/usr/sbin/vsftpd',
  mosquitto: '/usr/sbin/mosquitto',
};

/** The TCP port each lab service listens on. */
export const SERVICE_PORT: Record<LabService, number> = { ssh: 22, nginx: 80, lighttpd: 80, vsftpd: 21, mosquitto: 1883 };

/** Why a lab cannot run here, or undefined when it can. */
export function labSupport(services: LabService[] = ['ssh', 'nginx', 'lighttpd', 'vsftpd', 'mosquitto']): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const bin of ['/usr/sbin/ip', '/usr/sbin/nft', ...services.map((s) => BINARIES[s])]) {
    if (!existsSync(bin) && !existsSync(bin.replace('/usr/sbin/', '/sbin/'))) return `${bin} is not installed (scripts/install-test-deps.sh)`;
  }
  return undefined;
}

async function sh(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args, { timeout: 15_000 });
}

async function trySh(cmd: string, args: string[]): Promise<void> {
  try {
    await sh(cmd, args);
  } catch {
    /* cleanup is best effort */
  }
}

/** Picks a free lab number (third octet, names) not used by another running lab. */
async function pickLabNumber(): Promise<number> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = 1 + Math.floor(Math.random() * 250);
    if (!stdout.includes(`hsbr${n}:`) && !stdout.includes(`hsbr${n}@`)) return n;
  }
  throw new Error('no free lab number');
}

function serviceConfig(svc: LabService, dir: string, index: number, hostKey: string): { args: string[] } {
  const d = join(dir, `${svc}-${index}`);
  mkdirSync(d, { recursive: true });
  switch (svc) {
    case 'ssh': {
      const conf = join(d, 'sshd_config');
      writeFileSync(
        conf,
        `Port 22\nListenAddress 0.0.0.0\nHostKey ${hostKey}\nPidFile ${join(d, 'sshd.pid')}\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n`,
      );
      return { args: [BINARIES.ssh, '-D', '-e', '-f', conf] };
    }
    case 'nginx': {
      mkdirSync(join(d, 'www'), { recursive: true });
      mkdirSync(join(d, 'logs'), { recursive: true });
      writeFileSync(join(d, 'www', 'index.html'), `<html><head><title>lab host ${index}</title></head><body>nginx lab</body></html>\n`);
      const conf = join(d, 'nginx.conf');
      writeFileSync(
        conf,
        `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${join(d, 'nginx.pid')};\nerror_log ${join(d, 'logs', 'error.log')} crit;\n` +
          `events { worker_connections 256; }\nhttp { access_log off; server { listen 80; root ${join(d, 'www')}; } }\n`,
      );
      return { args: [BINARIES.nginx, '-p', d, '-c', conf, '-e', join(d, 'logs', 'error.log')] };
    }
    case 'lighttpd': {
      mkdirSync(join(d, 'www'), { recursive: true });
      writeFileSync(join(d, 'www', 'index.html'), `<html><head><title>lab host ${index}</title></head><body>lighttpd lab</body></html>\n`);
      const conf = join(d, 'lighttpd.conf');
      writeFileSync(
        conf,
        `server.document-root = "${join(d, 'www')}"\nserver.port = 80\nserver.bind = "0.0.0.0"\nserver.pid-file = "${join(d, 'lighttpd.pid')}"\n` +
          `index-file.names = ("index.html")\nmimetype.assign = (".html" => "text/html")\n`,
      );
      return { args: [BINARIES.lighttpd, '-D', '-f', conf] };
    }
    case 'vsftpd': {
      mkdirSync(join(d, 'pub'), { recursive: true });
      const conf = join(d, 'vsftpd.conf');
      writeFileSync(
        conf,
        `listen=YES\nlisten_ipv6=NO\nbackground=NO\nanonymous_enable=YES\nanon_root=${join(d, 'pub')}\nlocal_enable=NO\n` +
          `secure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\nxferlog_enable=NO\n`,
      );
      return { args: [BINARIES.vsftpd, conf] };
    }
    case 'mosquitto': {
      const conf = join(d, 'mosquitto.conf');
      // sys_interval 1: the $SYS tree (broker version) is published within a second of start.
      writeFileSync(conf, `listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\nlog_dest none\nsys_interval 1\n`);
      return { args: [BINARIES.mosquitto, '-c', conf] };
    }
  }
}

/** Waits until `port` accepts on `ip` (probing from the root namespace), or throws. */
async function waitListening(ip: string, port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: ip, port });
      s.setTimeout(500);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`lab service ${ip}:${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Creates the lab: bridge hsbr<N> with 198.18.<N>.1/24, and one namespace per spec with
 * address 198.18.<N>.<10+i>, its firewall rules and its services, all started and
 * listening before it returns.
 */
export async function createLab(specs: LabHostSpec[]): Promise<Lab> {
  if (specs.length > 200) throw new Error('a lab holds at most 200 hosts');
  const n = await pickLabNumber();
  const bridge = `hsbr${n}`;
  const dir = mkdtempSync(join(tmpdir(), `homesec-lab${n}-`));
  const procs: ChildProcess[] = [];
  const hosts: LabHost[] = specs.map((spec, i) => ({ ip: `198.18.${n}.${10 + i}`, ns: `hs${n}h${i}`, spec }));
  const stop = async (): Promise<void> => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const h of hosts) {
      try {
        const { stdout } = await run('ip', ['netns', 'pids', h.ns]);
        for (const pid of stdout.split(/\s+/).filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      } catch {
        /* namespace not created */
      }
      await trySh('ip', ['netns', 'del', h.ns]);
    }
    await trySh('ip', ['link', 'del', bridge]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', `198.18.${n}.1/24`, 'dev', bridge]);
    await sh('ip', ['link', 'set', bridge, 'up']);
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    if (specs.some((s) => s.services.includes('ssh'))) {
      await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    }
    for (const [i, h] of hosts.entries()) {
      const veth = `hv${n}x${i}`;
      await sh('ip', ['netns', 'add', h.ns]);
      await sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      await sh('ip', ['link', 'set', veth, 'master', bridge]);
      await sh('ip', ['link', 'set', veth, 'up']);
      const inNs = (args: string[]) => sh('ip', ['netns', 'exec', h.ns, ...args]);
      await inNs(['ip', 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0']);
      await inNs(['ip', 'link', 'set', 'eth0', 'up']);
      await inNs(['ip', 'link', 'set', 'lo', 'up']);
      await inNs(['ip', 'route', 'add', 'default', 'via', `198.18.${n}.1`]);
      const rules: string[] = [];
      if (h.spec.blockIcmp) rules.push('icmp type echo-request drop');
      if (h.spec.filteredPorts?.length) rules.push(`tcp dport { ${h.spec.filteredPorts.join(', ')} } drop`);
      if (rules.length > 0) {
        const file = join(dir, `${h.ns}.nft`);
        writeFileSync(file, `table inet lab {\n chain input {\n  type filter hook input priority 0; policy accept;\n  ${rules.join('\n  ')}\n }\n}\n`);
        await inNs(['nft', '-f', file]);
      }
      for (const svc of h.spec.services) {
        const { args } = serviceConfig(svc, dir, i, hostKey);
        const child = spawn('ip', ['netns', 'exec', h.ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr?.resume();
        procs.push(child);
      }
    }
    await Promise.all(hosts.flatMap((h) => h.spec.services.map((s) => waitListening(h.ip, SERVICE_PORT[s], 15_000))));
    // A broker that has just started may not have published its $SYS tree yet (one sys_interval).
    if (specs.some((s) => s.services.includes('mosquitto'))) await new Promise((r) => setTimeout(r, 1500));
    return { subnet: `198.18.${n}.0/24`, gatewayIp: `198.18.${n}.1`, hosts, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
