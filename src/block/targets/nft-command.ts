/**
 * Running the `nft` command. Rules: argv arrays only (never a shell; the command itself is
 * configurable, e.g. `ip netns exec <ns> nft` in tests); a script goes in on stdin
 * (`nft -f -`: one atomic transaction); every run has a deadline on the injected clock and
 * an abort signal, after which the child is killed; stdout and stderr are capped. A run
 * resolves with the exit code; only a failure to start the program rejects.
 */
import { spawn } from 'node:child_process';
import type { Clock } from '../../core/clock.js';

export interface NftResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The deadline or the abort signal ended the run. */
  killed: boolean;
}

export type NftRun = (args: readonly string[], stdin?: string) => Promise<NftResult>;

/** Output bytes kept per stream at most. */
export const MAX_NFT_OUTPUT = 16 * 1024 * 1024;

/** A runner of `argv[0] argv[1..] args` (see module rules). */
export function createNftRun(argv: readonly string[], opts: { timeoutMs: number; clock: Clock; signal?: AbortSignal }): NftRun {
  const [cmd, ...pre] = argv;
  if (!cmd) throw new Error('empty nft command');
  return (args, stdin) =>
    new Promise<NftResult>((resolve, reject) => {
      const child = spawn(cmd, [...pre, ...args], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let killed = false;
      const kill = () => {
        killed = true;
        child.kill('SIGKILL');
      };
      const timer = opts.clock.setTimeout(kill, opts.timeoutMs);
      if (opts.signal?.aborted) kill();
      opts.signal?.addEventListener('abort', kill, { once: true });
      child.stdout.on('data', (c: Buffer) => {
        outBytes += c.length;
        if (outBytes <= MAX_NFT_OUTPUT) out.push(c);
      });
      child.stderr.on('data', (c: Buffer) => {
        errBytes += c.length;
        if (errBytes <= 64 * 1024) err.push(c);
      });
      child.stdin.on('error', () => {
        /* the child exited before reading its script: its exit code says why */
      });
      child.once('error', (e) => {
        opts.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', kill);
        reject(e);
      });
      child.once('close', (code) => {
        opts.clock.clearTimeout(timer);
        opts.signal?.removeEventListener('abort', kill);
        resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), killed });
      });
      child.stdin.end(stdin ?? '');
    });
}
