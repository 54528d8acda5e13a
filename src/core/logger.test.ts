import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SECRET_KEYS, configSchema } from '../config/schema.js';
import { createLogger } from './logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('logger', () => {
  it('never writes configured secrets or credential headers (hostile-input #25)', () => {
    const out = capture();
    const log = createLogger({ level: 'debug', format: 'json', secretKeys: SECRET_KEYS }, out.stream);
    const config = configSchema.parse({ virustotal_api_key: 'vt-SECRET-1', nvd_api_key: 'nvd-SECRET-2' });
    log.debug({ config }, 'effective config');
    log.debug(config, 'flat config');
    log.warn({ headers: { 'x-apikey': 'vt-SECRET-3', authorization: 'Bearer SECRET-4', key: 'abuse-SECRET-5' } }, 'provider answered 503');
    const text = out.text();
    expect(text).toContain('effective config');
    expect(text).not.toMatch(/SECRET/);
  });

  it('escapes control characters from attacker-controlled strings in JSON logs (hostile-input #16)', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json', secretKeys: [] }, out.stream);
    log.info({ banner: 'SSH-2.0-x\u001b[2J\u0000\r\nFAKE LOG LINE' }, 'banner');
    const text = out.text();
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0000');
    expect(text.trim().split('\n')).toHaveLength(1);
  });
});
