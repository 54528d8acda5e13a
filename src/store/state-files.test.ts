import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISMISSED_FILE, ROLES_FILE, loadDismissed, loadHosts, loadRoles, saveDismissed, saveHosts, saveRoles } from './state-files.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-state-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('state files', () => {
  it('reads the reference formats', () => {
    fs.writeFileSync(
      path.join(dir, ROLES_FILE),
      '# Home Security Assistant — device role overrides\n192.168.1.1: gateway\n192.168.1.50: camera\n192.168.1.101: iot\n',
    );
    fs.writeFileSync(
      path.join(dir, DISMISSED_FILE),
      '# Home Security Assistant — dismissed findings\n- "vuln:192.168.1.50:80:CVE-2021-1234"\n- "suspicious_port:192.168.1.20"\n',
    );
    expect([...loadRoles(dir).value]).toEqual([
      ['192.168.1.1', 'gateway'],
      ['192.168.1.50', 'camera'],
      ['192.168.1.101', 'iot'],
    ]);
    expect([...loadDismissed(dir).value]).toEqual(['vuln:192.168.1.50:80:CVE-2021-1234', 'suspicious_port:192.168.1.20']);
  });

  it('round-trips roles, dismissed and hosts', () => {
    saveRoles(dir, new Map([['10.0.0.2', 'nas'], ['10.0.0.1', 'gateway']]));
    saveDismissed(dir, new Set(['b', 'a']));
    saveHosts(dir, new Map([['10.0.0.5', { alive: true, open_ports: [22, 80], os_guess: 'Linux', ping_ms: 0.4 }]]));
    expect(fs.readFileSync(path.join(dir, ROLES_FILE), 'utf8')).toContain('10.0.0.1: gateway\n10.0.0.2: nas');
    expect([...loadRoles(dir).value.keys()]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect([...loadDismissed(dir).value]).toEqual(['a', 'b']);
    expect(loadHosts(dir).value.get('10.0.0.5')).toEqual({ alive: true, open_ports: [22, 80], os_guess: 'Linux', ping_ms: 0.4 });
  });

  it('an unparsable file is moved aside, not lost, and loading continues empty', () => {
    fs.writeFileSync(path.join(dir, ROLES_FILE), '10.0.0.1: [gateway\n');
    const r = loadRoles(dir);
    expect(r.value.size).toBe(0);
    expect(r.warnings[0]).toMatch(/not valid YAML/);
    const aside = fs.readdirSync(dir).find((n) => n.startsWith(`${ROLES_FILE}.invalid-`));
    expect(aside).toBeDefined();
    expect(fs.readFileSync(path.join(dir, aside as string), 'utf8')).toBe('10.0.0.1: [gateway\n');
  });

  it('bad entries are skipped with a warning; hostile values stay data', () => {
    fs.writeFileSync(path.join(dir, ROLES_FILE), '10.0.0.1: wizard\n10.0.0.2: camera\n"<img src=x onerror=alert(1)>": iot\n');
    const r = loadRoles(dir);
    expect(r.value.get('10.0.0.2')).toBe('camera');
    expect(r.value.has('10.0.0.1')).toBe(false);
    expect(r.warnings.join()).toContain('wizard');
    fs.writeFileSync(path.join(dir, DISMISSED_FILE), '- ok\n- 12\n- {a: 1}\n');
    const d = loadDismissed(dir);
    expect([...d.value]).toEqual(['ok']);
    expect(d.warnings).toHaveLength(2);
  });

  it('missing files load as empty without warnings', () => {
    expect(loadRoles(dir)).toEqual({ value: new Map(), warnings: [] });
    expect(loadHosts(dir).warnings).toEqual([]);
  });
});
