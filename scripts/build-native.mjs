/**
 * npm's install step: builds homesec's native UDP receiver (native/udp-rx, Linux only) with
 * the node-gyp that npm provides. The receiver is an optional speed-up: when it cannot be
 * built (no compiler, not Linux) homesec reads the socket with Node's dgram instead, so a
 * failed build warns and never fails the install. HOMESEC_NATIVE_RX=0 skips the build.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.platform !== 'linux' || process.env.HOMESEC_NATIVE_RX === '0') process.exit(0);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'native', 'udp-rx');
// npm names its own node-gyp in npm_config_node_gyp for install scripts; else node-gyp on PATH
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
const r = spawnSync(cmd, [...args, 'rebuild', '--directory', dir], { stdio: ['ignore', 'ignore', 'pipe'], shell: false, timeout: 300_000 });
if (r.status !== 0) {
  // node-gyp ends with version lines and "not ok": name the first line that says what failed
  const lines = String(r.stderr || '').split('\n').map((l) => l.trim()).filter(Boolean);
  const cause = lines.find((l) => /gyp ERR! (stack )?Error|error:|not found|ENOENT|EACCES/i.test(l)) ?? lines.find((l) => /ERR!/.test(l)) ?? lines[0];
  const why = r.error ? r.error.message : cause ?? `exit code ${r.status}`;
  console.warn(`homesec: the native UDP receiver was not built (${why}); flows are read with Node's dgram instead (slower).`);
}
