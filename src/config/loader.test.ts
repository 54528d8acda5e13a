import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HomesecError } from '../core/errors.js';
import { envOverrides, loadConfig, maskSecrets, mergeFillEmpty } from './loader.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-cfg-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

function expectInvalid(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HomesecError);
    expect((err as HomesecError).code).toBe('CONFIG_INVALID');
    for (const p of parts) expect((err as Error).message).toContain(p);
    return;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('uses embedded defaults when there is no file', () => {
    const r = loadConfig({ env: {}, flags: { data_dir: dir } });
    expect(r.file).toBeUndefined();
    expect(r.config.bind_port).toBe(2055);
    expect(r.sources.bind_port).toBe('default');
  });

  it('reads homesec.yaml from the data directory', () => {
    write('homesec.yaml', 'bind_port: 2099\nscan_ports: 22,80\n');
    const r = loadConfig({ env: {}, flags: { data_dir: dir } });
    expect(r.file).toBe(path.join(dir, 'homesec.yaml'));
    expect(r.config.bind_port).toBe(2099);
    expect(r.config.scan_ports).toEqual([22, 80]);
    expect(r.sources.bind_port).toBe('file');
  });

  it('precedence: defaults < file < env < flags', () => {
    const f = write('c.yaml', 'bind_port: 2001\nweb_port: 9001\nscan_interval: 900\n');
    const r = loadConfig({ configPath: f, env: { HOMESEC_BIND_PORT: '2002', HOMESEC_WEB_PORT: '9002' }, flags: { web_port: '9003' } });
    expect(r.config.scan_interval).toBe(900);
    expect(r.config.bind_port).toBe(2002);
    expect(r.config.web_port).toBe(9003);
    expect(r.sources).toMatchObject({ scan_interval: 'file', bind_port: 'env', web_port: 'flag' });
  });

  it('env overrides coerce booleans, numbers and lists, and warn on unknown HOMESEC_ names', () => {
    const { values, warnings } = envOverrides({ HOMESEC_ENABLE_SCANNER: 'no', HOMESEC_SCAN_PORTS: '22,8000-8001', HOMESEC_BOGUS: 'x', PATH: '/bin' });
    expect(values).toEqual({ enable_scanner: 'no', scan_ports: '22,8000-8001' });
    expect(warnings[0]).toContain('HOMESEC_BOGUS');
    const r = loadConfig({ env: { HOMESEC_ENABLE_SCANNER: 'no', HOMESEC_SCAN_PORTS: '22,8000-8001', HOMESEC_DATA_DIR: dir } });
    expect(r.config.enable_scanner).toBe(false);
    expect(r.config.scan_ports).toEqual([22, 8000, 8001]);
  });

  it('rejects bind_port "abc" naming the key and the value', () => {
    const f = write('c.yaml', 'bind_port: "abc"\n');
    expectInvalid(() => loadConfig({ configPath: f, env: {} }), 'bind_port', '"abc"', f);
  });

  it('rejects internal_networks 10.0.0.0/33 naming the key and the bad entry', () => {
    const f = write('c.yaml', 'internal_networks: "192.168.0.0/16,10.0.0.0/33"\n');
    expectInvalid(() => loadConfig({ configPath: f, env: {} }), 'internal_networks[1]', '10.0.0.0/33');
  });

  it('reports every bad key at once and masks secret values', () => {
    const f = write('c.yaml', 'scan_interval: 5\nscan_ports: "80;id"\nnvd_api_key: [1, 2]\n');
    try {
      loadConfig({ configPath: f, env: {} });
      throw new Error('expected failure');
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('scan_interval');
      expect(msg).toContain('scan_ports');
      expect(msg).toContain('nvd_api_key');
      expect(msg).not.toContain('[1,2]');
    }
  });

  it('warns about unknown keys instead of dropping them silently', () => {
    const f = write('c.yaml', 'bind_prot: 2055\n');
    const r = loadConfig({ configPath: f, env: {} });
    expect(r.warnings.join('\n')).toContain('"bind_prot"');
  });

  it('names the line of a YAML syntax error', () => {
    const f = write('c.yaml', 'bind_port: 1\n  bad: [\n');
    expectInvalid(() => loadConfig({ configPath: f, env: {} }), 'line');
  });

  it('add-on mode: options win, the file fills absent or empty keys', () => {
    const f = write('homesec.yaml', 'bind_port: 2100\nvirustotal_api_key: from-file\nscan_ports: "22"\nnvd_keywords: a,b\n');
    const r = loadConfig({
      configPath: f,
      env: {},
      addonOptions: { bind_port: 2200, virustotal_api_key: '', scan_ports: '80', nvd_keywords: [] },
    });
    expect(r.config.bind_port).toBe(2200);
    expect(r.config.virustotal_api_key).toBe('from-file');
    expect(r.config.scan_ports).toEqual([80]);
    expect(r.config.nvd_keywords).toEqual(['a', 'b']);
    expect(r.sources.virustotal_api_key).toBe('file');
    expect(r.sources.bind_port).toBe('addon');
  });

  it('mergeFillEmpty treats null, "", whitespace and [] as empty', () => {
    expect(mergeFillEmpty({ a: '', b: null, c: [], d: ' ', e: 0, f: false }, { a: 1, b: 2, c: 3, d: 4, e: 5, f: true, g: 7 })).toEqual({
      a: 1,
      b: 2,
      c: 3,
      d: 4,
      e: 0,
      f: false,
      g: 7,
    });
  });

  it('maskSecrets hides set secrets only', () => {
    const r = loadConfig({ env: { HOMESEC_SHODAN_API_KEY: 'supersecret', HOMESEC_DATA_DIR: dir } });
    const masked = maskSecrets(r.config);
    expect(masked.shodan_api_key).toBe('***');
    expect(masked.nvd_api_key).toBe('');
    expect(JSON.stringify(masked)).not.toContain('supersecret');
  });
});
