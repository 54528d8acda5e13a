import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileFollower } from './file-follower.js';

let dir = '';
let file = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homesec-follow-'));
  file = path.join(dir, 'x.log');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('file follower (tail -F)', () => {
  it('waits for a missing file, starts at its end, and joins partial lines', async () => {
    const f = createFileFollower(file);
    expect(await f.read()).toEqual([]);
    expect(f.state).toBe('waiting');
    fs.writeFileSync(file, 'old line\n');
    expect(await f.read()).toEqual([]); // first open: at the end
    expect(f.state).toBe('open');
    fs.appendFileSync(file, 'new 1\r\nnew ');
    expect(await f.read()).toEqual(['new 1']);
    fs.appendFileSync(file, '2\n');
    expect(await f.read()).toEqual(['new 2']);
    await f.close();
  });

  it('follows delete + recreate and copytruncate, reading the old file to its end first', async () => {
    fs.writeFileSync(file, '');
    const f = createFileFollower(file, { startAtEnd: false });
    expect(await f.read()).toEqual([]);
    fs.appendFileSync(file, 'a\n');
    fs.renameSync(file, `${file}.1`);
    fs.appendFileSync(`${file}.1`, 'b\n'); // written after the rename, before the writer reopened
    expect(await f.read()).toEqual(['a', 'b']); // new path missing: old file drained, then waiting
    fs.writeFileSync(file, 'c\n');
    expect(await f.read()).toEqual(['c']);
    fs.unlinkSync(file);
    fs.writeFileSync(file, 'd\n');
    expect(await f.read()).toEqual(['d']);
    fs.truncateSync(file, 0); // copytruncate
    expect(await f.read()).toEqual([]);
    fs.appendFileSync(file, 'f\n');
    expect(await f.read()).toEqual(['f']);
    expect(f.counters.rotations).toBe(2);
    expect(f.counters.truncations).toBe(1);
    await f.close();
  });

  it('drops overlong lines (bounded memory) and caps bytes per read', async () => {
    fs.writeFileSync(file, '');
    const f = createFileFollower(file, { startAtEnd: false, maxLineBytes: 100, maxBytesPerRead: 1000 });
    await f.read();
    fs.appendFileSync(file, `${'x'.repeat(5000)}\nshort\n${'y'.repeat(150)}`);
    const lines: string[] = [];
    for (let i = 0; i < 10; i++) lines.push(...(await f.read()));
    expect(lines).toEqual(['short']);
    expect(f.counters.longLines).toBe(2);
    fs.appendFileSync(file, 'still y\nok\n');
    expect(await f.read()).toEqual(['ok']);
    await f.close();
  });
});
