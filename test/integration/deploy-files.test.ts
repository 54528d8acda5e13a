/**
 * The deployment files, checked as far as this machine allows (it has a Docker client but no
 * Docker engine, and systemd is not PID 1, so neither the image nor the unit can be run here):
 * the Dockerfile's stages, copied paths, user, ports, health check and command; that the
 * build context (.dockerignore) keeps what the Dockerfile copies; the compose file's network,
 * volume and HOMESEC_* variables (each must name a real option); the systemd unit passes
 * `systemd-analyze verify`; and the command lines of all three are real subcommands and flags
 * of the CLI (asked through `--help` of the real CLI).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIG_KEYS } from '../../src/config/schema.js';
import { ROOT } from '../support/daemon.js';

const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');

/** Dockerfile instructions: [keyword, argument text], continuation lines joined, comments dropped. */
function instructions(text: string): [string, string][] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(' ');
      return [l.slice(0, i).toUpperCase(), l.slice(i + 1).trim()] as [string, string];
    });
}

/** Exit code and output of the real CLI (node + tsx). */
function cli(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Checks that `args` (subcommand + flags) are accepted by the CLI: each flag appears in the subcommand's --help. */
function expectRealCommand(args: string[]): void {
  const sub = args[0] as string;
  const help = cli([sub, '--help']);
  expect(help.status, help.out).toBe(0);
  for (const a of args.slice(1)) if (a.startsWith('--')) expect(help.out, `${sub} ${a}`).toContain(a);
}

describe('deployment files', () => {
  it('Dockerfile: node:20-bookworm-slim build and runtime stages, existing copied paths, non-root user, ports, /health check, a real command', () => {
    const ins = instructions(read('Dockerfile'));
    const from = ins.filter(([k]) => k === 'FROM').map(([, v]) => v);
    expect(from).toEqual(['node:20-bookworm-slim AS build', 'node:20-bookworm-slim']);
    const runtime = ins.slice(ins.findIndex(([k, v]) => k === 'FROM' && v === 'node:20-bookworm-slim'));
    // Every COPY from the context names something that exists (the last word is the target).
    const copied = ins.filter(([k, v]) => k === 'COPY' && !v.startsWith('--from')).flatMap(([, v]) => v.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(4);
    for (const src of copied) expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
    // The runtime stage takes only production output from the build stage.
    const fromBuild = runtime.filter(([k, v]) => k === 'COPY' && v.startsWith('--from=build')).map(([, v]) => v.split(/\s+/)[1]);
    expect(fromBuild).toEqual(['/build/package.json', '/build/node_modules', '/build/dist', '/build/native/udp-rx/build/Release', '/build/web/dist']);
    // npm install in the build stage builds the native receiver: its sources are there before it
    const install = ins.findIndex(([k, v]) => k === 'RUN' && v.includes('npm install'));
    const nativeCopy = ins.findIndex(([k, v]) => k === 'COPY' && v.startsWith('native '));
    expect(nativeCopy).toBeGreaterThan(-1);
    expect(nativeCopy).toBeLessThan(install);
    expect(ins.find(([k, v]) => k === 'RUN' && v.includes('npm prune --omit=dev'))).toBeDefined();
    const user = runtime.find(([k]) => k === 'USER')?.[1];
    expect(user).toBe('homesec');
    expect(runtime.find(([k]) => k === 'EXPOSE')?.[1].split(/\s+/).sort()).toEqual(['2055/udp', '8088']);
    expect(runtime.find(([k]) => k === 'VOLUME')?.[1]).toBe('["/data"]');
    expect(runtime.find(([k]) => k === 'HEALTHCHECK')?.[1]).toMatch(/\/health/);
    const entry = JSON.parse(runtime.find(([k]) => k === 'ENTRYPOINT')?.[1] ?? '[]') as string[];
    const cmd = JSON.parse(runtime.find(([k]) => k === 'CMD')?.[1] ?? '[]') as string[];
    expect(entry).toEqual(['node', '/app/dist/src/main.js']);
    // package.json's bin is the same file the image starts.
    expect((JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.homesec).toBe('dist/src/main.js');
    expectRealCommand(cmd);
    expect(cmd).toEqual(['run', '--data-dir', '/data']);
  }, 120_000);

  it('the runtime image has every package the daemon loads: imports reachable from src/main.ts and the worker threads are production dependencies', () => {
    const deps = new Set(Object.keys((JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies));
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const todo = ['src/main.ts', 'src/flow/receive-worker.ts', 'src/scan/connect-scan-worker.ts'];
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = read(file);
      // Static and dynamic imports, skipping type-only ones (erased at build).
      for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        if (m[2]) continue;
        const spec = (m[3] ?? m[4]) as string;
        if (spec.startsWith('.')) todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.replace(/\.js$/, '.ts'))));
        else if (!spec.startsWith('node:')) packages.set(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string), file);
      }
    }
    expect(seen.size).toBeGreaterThan(100);
    // tsx appears only in the worker boot code used when running the .ts sources (tests); dist starts the .js workers.
    packages.delete('tsx');
    expect(packages.size).toBeGreaterThan(10);
    for (const [pkg, file] of packages) expect(deps.has(pkg), `${pkg} (imported by ${file})`).toBe(true);
  });

  it('.dockerignore keeps what the Dockerfile copies and drops build output, dependencies and data', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const must of ['node_modules', 'dist', 'data', '.git', 'web/dist']) expect(ignored).toContain(must);
    const copied = instructions(read('Dockerfile'))
      .filter(([k, v]) => k === 'COPY' && !v.startsWith('--from'))
      .flatMap(([, v]) => v.split(/\s+/).slice(0, -1));
    for (const src of copied) expect(ignored.some((i) => src === i || src.startsWith(`${i}/`)), src).toBe(false);
  });

  it('compose: host networking, the data volume, the image build, and HOMESEC_* variables that name real options', () => {
    const doc = YAML.parse(read('deploy/compose.yaml')) as {
      services: Record<string, { build: { context: string; dockerfile: string }; network_mode: string; volumes: string[]; environment: Record<string, string> }>;
      volumes: Record<string, unknown>;
    };
    const svc = doc.services.homesec;
    expect(svc).toBeDefined();
    if (!svc) return;
    expect(svc.network_mode).toBe('host');
    expect(fs.existsSync(path.join(ROOT, 'deploy', svc.build.context, svc.build.dockerfile))).toBe(true);
    const volume = svc.volumes.map((v) => v.split(':')).find(([, target]) => target === '/data');
    expect(volume).toBeDefined();
    expect(Object.keys(doc.volumes)).toContain(volume?.[0]);
    const keys = new Set<string>(CONFIG_KEYS);
    const vars = Object.keys(svc.environment);
    expect(vars.length).toBeGreaterThan(3);
    for (const v of vars) {
      expect(v.startsWith('HOMESEC_'), v).toBe(true);
      expect(keys.has(v.slice(8).toLowerCase()), v).toBe(true);
    }
  });

  it('systemd unit: passes systemd-analyze verify, state directory and hardening, and starts a real command', () => {
    const unit = read('deploy/homesec.service');
    // verify: exit status 0 and no complaints about the unit.
    const v = spawnSync('systemd-analyze', ['verify', path.join(ROOT, 'deploy/homesec.service')], { encoding: 'utf8', timeout: 60_000 });
    expect(v.status, v.stderr).toBe(0);
    expect(`${v.stdout}${v.stderr}`).toBe('');
    const setting = (k: string) => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]);
    expect(setting('DynamicUser')).toEqual(['yes']);
    expect(setting('StateDirectory')).toEqual(['homesec']);
    expect(setting('ProtectSystem')).toEqual(['strict']);
    expect(setting('NoNewPrivileges')).toEqual(['yes']);
    expect(setting('AmbientCapabilities')).toEqual(['CAP_NET_RAW']);
    expect(setting('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW']);
    expect(setting('MemoryDenyWriteExecute')).toEqual([]);
    const exec = (setting('ExecStart')[0] ?? '').split(/\s+/);
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/node', '/opt/homesec/dist/src/main.js']);
    expect(exec.slice(2)).toEqual(['run', '--data-dir', '${STATE_DIRECTORY}']);
    expectRealCommand(exec.slice(2));
  }, 120_000);
});
