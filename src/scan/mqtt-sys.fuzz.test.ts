/**
 * Fuzzing the MQTT $SYS/broker/version reader: CONNACK, SUBACK and retained PUBLISH packets
 * as mosquitto sends them, mutated (remaining lengths, topic lengths, QoS bits, cuts,
 * repeats). Rules: nothing throws; the payload is at most 200 characters; a product is named
 * only with a short plain version.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, hostileBytes } from '../../test/support/fuzz.js';
import { brokerProduct, connackAccepted, sysVersionFrom } from './mqtt-sys.js';

function publish(topic: string, payload: string, flags = 0x31): Buffer {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  return Buffer.from([flags, 2 + t.length + p.length, 0, t.length, ...t, ...p]);
}

const SEEDS = [
  Buffer.from([0x20, 0x02, 0x00, 0x00]),
  Buffer.concat([Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]), publish('$SYS/broker/version', 'mosquitto version 2.0.11')]),
  Buffer.concat([publish('$SYS/broker/uptime', '42 seconds'), publish('$SYS/broker/version', 'emqx v5.3.0', 0x33)]),
  publish('$SYS/broker/version', 'VerneMQ version 1.13.0'),
];

describe('mqtt $SYS fuzz', () => {
  it('fuzz: CONNACK / SUBACK / PUBLISH sequences', async ({ task }) => {
    await fuzz(task, 'scan/mqtt-sys', hostileBytes(SEEDS, 300), (b) => {
      connackAccepted(b);
      const text = sysVersionFrom(b);
      if (text === undefined) return;
      expect(text.length).toBeLessThanOrEqual(200);
      const p = brokerProduct(text);
      if (p?.version !== undefined) expect(p.version).toMatch(/^[0-9][\w.-]{0,30}$/);
    }, 4000);
  });
});
