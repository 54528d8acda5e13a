import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/fake-clock.js';
import { parseResolvConf, resolveName, urlHost } from './host-facts.js';

describe('host facts', () => {
  it('reads nameservers from resolv.conf text (zone ids dropped, junk ignored)', () => {
    const text = '# generated\nsearch lan\nnameserver 192.168.1.2\nnameserver  fe80::1%eth0\nnameserver not-an-ip\noptions edns0\nnameserver 9.9.9.9 # quad9\n';
    expect(parseResolvConf(text)).toEqual(['192.168.1.2', 'fe80::1', '9.9.9.9']);
  });

  it('takes the host of a URL, IPv6 brackets removed; empty and invalid URLs give nothing', () => {
    expect(urlHost('http://HomeAssistant.local:8123/x')).toBe('homeassistant.local');
    expect(urlHost('mqtt://[2001:db8::5]:1883')).toBe('2001:db8::5');
    expect(urlHost('')).toBeUndefined();
    expect(urlHost('not a url')).toBeUndefined();
  });

  it('a name lookup is bounded by its deadline on the injected clock', async () => {
    const clock = new FakeClock();
    const pending = resolveName('localhost', 1000, clock);
    await clock.advance(1000);
    const found = await pending;
    // Either the system resolver answered first (loopback) or the deadline gave [].
    expect(found.every((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });
});
