// Test child for atomic-file.test.ts: writes a file atomically, crashing on purpose.
import { writeFileAtomic } from '../atomic-file.js';

const [file, mode] = process.argv.slice(2) as [string, string];
if (mode === 'crash-before-rename') {
  writeFileAtomic(file, 'new: 2\n', { beforeRename: () => process.kill(process.pid, 'SIGKILL') });
} else {
  // save in a loop until killed from outside
  for (let n = 1; n < 1_000_000; n++) writeFileAtomic(file, `${JSON.stringify({ n, pad: 'x'.repeat(20000) })}\n`);
}
