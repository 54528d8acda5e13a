import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './loader.js';
import { MIRRORED_KEYS, writeConfigMirror } from './mirror.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-mirror-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('homesec.yaml mirror (add-on mode)', () => {
  it('writes only the reference keys, mode 0600, and a later start with empty add-on options reads them back', () => {
    const first = loadConfig({
      env: {},
      flags: { data_dir: dir },
      addonOptions: { virustotal_api_key: 'vt-key', scan_ports: '22,80,8000-8002', internal_networks: '10.1.0.0/16', log_level: 'debug' },
    });
    const file = writeConfigMirror(first.config);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('scan_ports: 22,80,8000-8002');
    expect(text).toContain('internal_networks: 10.1.0.0/16');
    expect(text).not.toContain('log_level');
    expect(Object.keys(loadConfig({ configPath: file, env: {} }).config)).toEqual(expect.arrayContaining([...MIRRORED_KEYS]));
    // the add-on was reinstalled: its options are empty, the mirror fills them
    const second = loadConfig({ env: {}, flags: { data_dir: dir }, addonOptions: { virustotal_api_key: '', scan_ports: '' } });
    expect(second.config.virustotal_api_key).toBe('vt-key');
    expect(second.config.scan_ports).toEqual([22, 80, 8000, 8001, 8002]);
    expect(second.config.internal_networks).toEqual(['10.1.0.0/16']);
  });
});
