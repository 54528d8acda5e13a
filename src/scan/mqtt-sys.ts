/**
 * Reading an MQTT broker's self-description (what `nmap -sV`'s mqtt probe learns): after a
 * successful CONNACK, SUBSCRIBE to `$SYS/broker/version` (MQTT 3.1.1 §3.8, QoS 0) and read
 * the retained PUBLISH (§3.3) the broker sends, e.g. "mosquitto version 2.0.11". Rules:
 * pure functions over bytes; the reply may hold several packets (SUBACK, PUBLISH) in any
 * order and may be cut anywhere — a packet that runs past the buffer is ignored; at most
 * 16 packets are walked; the payload is at most 200 characters.
 */

const TOPIC = '$SYS/broker/version';

/** SUBSCRIBE packet id 1 for $SYS/broker/version at QoS 0. */
export function sysVersionSubscribe(): Uint8Array {
  const topic = Buffer.from(TOPIC, 'utf8');
  const remaining = 2 + 2 + topic.length + 1;
  return Uint8Array.from([0x82, remaining, 0x00, 0x01, 0x00, topic.length, ...topic, 0x00]);
}

/** True when `b` starts with a CONNACK that accepted the connection (return code 0). */
export function connackAccepted(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x20 && b[1] === 0x02 && b[3] === 0x00;
}

/** Decodes an MQTT variable-length integer at `pos` (§2.2.3); undefined when cut or too long. */
function remainingLength(b: Uint8Array, pos: number): { value: number; size: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = b[pos + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { value, size: i + 1 };
  }
  return undefined;
}

/** The payload of the first PUBLISH on $SYS/broker/version in `b`, or undefined. */
export function sysVersionFrom(b: Uint8Array): string | undefined {
  let pos = 0;
  for (let n = 0; n < 16 && pos < b.length; n++) {
    const type = b[pos]! >> 4;
    const len = remainingLength(b, pos + 1);
    if (!len) return undefined;
    const start = pos + 1 + len.size;
    const end = start + len.value;
    if (end > b.length) return undefined;
    if (type === 3) {
      const qos = (b[pos]! >> 1) & 3;
      const tlen = ((b[start] ?? 0) << 8) | (b[start + 1] ?? 0);
      const topic = Buffer.from(b.subarray(start + 2, start + 2 + tlen)).toString('utf8');
      const payloadStart = start + 2 + tlen + (qos > 0 ? 2 : 0);
      if (topic === TOPIC && payloadStart <= end) return Buffer.from(b.subarray(payloadStart, end)).toString('utf8').slice(0, 200);
    }
    pos = end;
  }
  return undefined;
}

/** Product and version from a $SYS/broker/version text ("mosquitto version 2.0.11"). */
export function brokerProduct(text: string): { product: string; productName: string; version?: string } | undefined {
  const m = /^\s*(mosquitto|emqx|vernemq|hivemq|rabbitmq|nanomq)\b(?:\s+version)?\s+v?([0-9][\w.-]{0,30})?/i.exec(text);
  if (!m) return undefined;
  const key = m[1]!.toLowerCase();
  const names: Record<string, string> = { mosquitto: 'Mosquitto', emqx: 'EMQX', vernemq: 'VerneMQ', hivemq: 'HiveMQ', rabbitmq: 'RabbitMQ', nanomq: 'NanoMQ' };
  return { product: key, productName: names[key] ?? key, ...(m[2] ? { version: m[2] } : {}) };
}
