import { describe, expect, it } from 'vitest';
import { brokerProduct, connackAccepted, sysVersionFrom, sysVersionSubscribe } from './mqtt-sys.js';

function publish(topic: string, payload: string, flags = 0x31): Buffer {
  const t = Buffer.from(topic);
  const p = Buffer.from(payload);
  return Buffer.from([flags, 2 + t.length + p.length, 0, t.length, ...t, ...p]);
}

describe('mqtt $SYS version', () => {
  it('builds the SUBSCRIBE of MQTT 3.1.1 §3.8', () => {
    const b = Buffer.from(sysVersionSubscribe());
    expect(b[0]).toBe(0x82);
    expect(b[1]).toBe(b.length - 2);
    expect(b.subarray(6, 6 + 19).toString()).toBe('$SYS/broker/version');
    expect(b[b.length - 1]).toBe(0);
  });

  it('finds the retained PUBLISH after a SUBACK', () => {
    const reply = Buffer.concat([Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00]), publish('$SYS/broker/version', 'mosquitto version 2.0.11')]);
    expect(sysVersionFrom(reply)).toBe('mosquitto version 2.0.11');
    expect(brokerProduct('mosquitto version 2.0.11')).toEqual({ product: 'mosquitto', productName: 'Mosquitto', version: '2.0.11' });
    expect(brokerProduct('something else')).toBeUndefined();
  });

  it('ignores other topics, cut packets and garbage', () => {
    expect(sysVersionFrom(publish('other', 'x'))).toBeUndefined();
    expect(sysVersionFrom(publish('$SYS/broker/version', 'mosquitto version 2.0.11').subarray(0, 10))).toBeUndefined();
    expect(sysVersionFrom(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
    expect(sysVersionFrom(Buffer.alloc(0))).toBeUndefined();
    expect(connackAccepted(Buffer.from([0x20, 0x02, 0x00, 0x00]))).toBe(true);
    expect(connackAccepted(Buffer.from([0x20, 0x02, 0x00, 0x05]))).toBe(false);
  });
});
