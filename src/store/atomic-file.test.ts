import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupTempFiles, writeFileAtomic } from './atomic-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'testdata', 'atomic-writer.ts');

/** Runs the writer child; resolves with its exit signal/code. */
function runChild(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (killAfterMs !== undefined) setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('writeFileAtomic', () => {
  it('writes content and mode', () => {
    const f = path.join(dir, 'secret.yaml');
    writeFileAtomic(f, 'key: v\n', { mode: 0o600 });
    expect(fs.readFileSync(f, 'utf8')).toBe('key: v\n');
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    writeFileAtomic(f, 'key: w\n', { mode: 0o600 });
    expect(fs.readFileSync(f, 'utf8')).toBe('key: w\n');
    expect(fs.readdirSync(dir)).toEqual(['secret.yaml']);
  });

  it('a failure before the rename leaves the old file and no temp file', () => {
    const f = path.join(dir, 'a.yaml');
    writeFileAtomic(f, 'old\n');
    expect(() =>
      writeFileAtomic(f, 'new\n', {
        beforeRename: () => {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      }),
    ).toThrow(/ENOSPC/);
    expect(fs.readFileSync(f, 'utf8')).toBe('old\n');
    expect(fs.readdirSync(dir)).toEqual(['a.yaml']);
  });

  it('a process killed between write and rename leaves the old file; the temp is cleaned at next start', async () => {
    const f = path.join(dir, 'roles.yaml');
    writeFileAtomic(f, 'old: 1\n');
    const r = await runChild([f, 'crash-before-rename']);
    expect(r.signal).toBe('SIGKILL');
    expect(fs.readFileSync(f, 'utf8')).toBe('old: 1\n');
    const temps = fs.readdirSync(dir).filter((n) => n.includes('.tmp-'));
    expect(temps.length).toBe(1);
    expect(cleanupTempFiles(dir)).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['roles.yaml']);
  });

  it('kill -9 at random moments during a loop of saves never leaves a torn file', async () => {
    const f = path.join(dir, 'state.yaml');
    writeFileAtomic(f, `${JSON.stringify({ n: 0, pad: 'x'.repeat(20000) })}\n`);
    for (let i = 0; i < 12; i++) {
      await runChild([f, 'loop'], 250 + Math.floor(Math.random() * 400));
      const text = fs.readFileSync(f, 'utf8');
      const parsed = JSON.parse(text) as { n: number; pad: string };
      expect(parsed.pad.length).toBe(20000);
      cleanupTempFiles(dir);
    }
  }, 60_000);
});
