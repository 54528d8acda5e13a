/**
 * Test-only NetFlow v9 / IPFIX datagram builder.
 *
 * Rules: used by tests and the golden-file generator only, never by production code. It writes
 * exactly what it is told (including invalid lengths), so tests can build hostile input.
 */
import ipaddr from 'ipaddr.js';

/** [element id, length, enterprise number (IPFIX only, 0 or absent = IETF)]. */
export type Field = [id: number, length: number, pen?: number];

/** A value for one field: number/bigint (big-endian unsigned), address text, or raw bytes. */
export type Value = number | bigint | string | Buffer;

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** Big-endian unsigned of `len` octets. */
export function uint(v: number | bigint, len: number): Buffer {
  const b = Buffer.alloc(len);
  let x = BigInt(v);
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

export function ip(text: string): Buffer {
  return Buffer.from(ipaddr.parse(text).toByteArray());
}

/** RFC 7011 §7 variable-length encoding: 1 length octet, or 255 + 2-octet length. */
export function varlen(content: Buffer): Buffer {
  if (content.length < 255) return Buffer.concat([u8(content.length), content]);
  return Buffer.concat([u8(255), u16(content.length), content]);
}

/** Encodes one data record for `fields`; variable-length fields (65535) get a length prefix. */
export function record(fields: readonly Field[], values: readonly Value[]): Buffer {
  const parts: Buffer[] = [];
  fields.forEach(([, len], i) => {
    const v = values[i] ?? 0;
    let raw: Buffer;
    if (Buffer.isBuffer(v)) raw = v;
    else if (typeof v === 'string') raw = ip(v);
    else raw = uint(v, len === 0xffff ? 0 : len);
    parts.push(len === 0xffff ? varlen(raw) : raw);
  });
  return Buffer.concat(parts);
}

function pad4(b: Buffer): Buffer {
  const rem = b.length % 4;
  return rem === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - rem)]);
}

/** A set / FlowSet: id, length (computed unless given), body, zero padding to 4 octets. */
export function set(id: number, body: Buffer, opts: { length?: number; pad?: boolean } = {}): Buffer {
  const content = opts.pad === false ? body : pad4(Buffer.concat([Buffer.alloc(4), body])).subarray(4);
  return Buffer.concat([u16(id), u16(opts.length ?? content.length + 4), content]);
}

function fieldSpecs(fields: readonly Field[], ipfix: boolean): Buffer {
  return Buffer.concat(
    fields.map(([id, len, pen]) =>
      ipfix && pen !== undefined && pen !== 0
        ? Buffer.concat([u16(id | 0x8000), u16(len), u32(pen)])
        : Buffer.concat([u16(id), u16(len)]),
    ),
  );
}

export interface V9Header {
  count: number;
  sysUptime: number;
  unixSecs: number;
  sequence?: number;
  sourceId?: number;
}

/** RFC 3954 §5.1 header followed by FlowSets. */
export function v9Packet(h: V9Header, flowsets: readonly Buffer[]): Buffer {
  return Buffer.concat([
    u16(9), u16(h.count), u32(h.sysUptime), u32(h.unixSecs), u32(h.sequence ?? 0), u32(h.sourceId ?? 0),
    ...flowsets,
  ]);
}

/** RFC 3954 §5.2 template FlowSet. */
export function v9Templates(templates: ReadonlyArray<{ id: number; fields: readonly Field[]; count?: number }>): Buffer {
  return set(
    0,
    Buffer.concat(templates.map((t) => Buffer.concat([u16(t.id), u16(t.count ?? t.fields.length), fieldSpecs(t.fields, false)]))),
  );
}

/** RFC 3954 §6.1 options template FlowSet (lengths in octets, overridable for hostile tests). */
export function v9OptionsTemplate(
  id: number,
  scope: readonly Field[],
  options: readonly Field[],
  override: { scopeLength?: number; optionLength?: number } = {},
): Buffer {
  return set(
    1,
    Buffer.concat([
      u16(id), u16(override.scopeLength ?? scope.length * 4), u16(override.optionLength ?? options.length * 4),
      fieldSpecs(scope, false), fieldSpecs(options, false),
    ]),
  );
}

/** Data set / data FlowSet of already-encoded records. */
export function dataSet(templateId: number, records: readonly Buffer[], opts: { pad?: boolean; length?: number } = {}): Buffer {
  return set(templateId, Buffer.concat(records), opts);
}

export interface IpfixHeader {
  exportTime: number;
  sequence?: number;
  domainId?: number;
  /** Overrides the computed message length. */
  length?: number;
}

/** RFC 7011 §3.1 message header followed by sets. */
export function ipfixMessage(h: IpfixHeader, sets: readonly Buffer[]): Buffer {
  const body = Buffer.concat(sets);
  return Buffer.concat([
    u16(10), u16(h.length ?? body.length + 16), u32(h.exportTime), u32(h.sequence ?? 0), u32(h.domainId ?? 0), body,
  ]);
}

/** RFC 7011 §3.4.1 Template Set. `count` overrides the field count; fields may be empty (withdrawal). */
export function ipfixTemplates(templates: ReadonlyArray<{ id: number; fields: readonly Field[]; count?: number }>): Buffer {
  return set(
    2,
    Buffer.concat(templates.map((t) => Buffer.concat([u16(t.id), u16(t.count ?? t.fields.length), fieldSpecs(t.fields, true)]))),
  );
}

/** RFC 7011 §3.4.2.2 Options Template Set; scope fields first. */
export function ipfixOptionsTemplates(
  templates: ReadonlyArray<{ id: number; scopeCount: number; fields: readonly Field[]; count?: number }>,
): Buffer {
  return set(
    3,
    Buffer.concat(
      templates.map((t) =>
        Buffer.concat([u16(t.id), u16(t.count ?? t.fields.length), u16(t.scopeCount), fieldSpecs(t.fields, true)]),
      ),
    ),
  );
}

/** RFC 7011 §8.1 withdrawal records (field count 0) in a Template (2) or Options Template (3) Set. */
export function ipfixWithdrawals(setId: 2 | 3, templateIds: readonly number[]): Buffer {
  return set(setId, Buffer.concat(templateIds.map((id) => Buffer.concat([u16(id), u16(0)]))));
}
