/**
 * Big-endian / XDR byte builder for hand-laid-out test datagrams.
 *
 * Rules: test-only; every field is written explicitly so test datagrams document their own
 * layout and stay independent of src/flow/encode.
 */
/** Minimal big-endian byte builder. */
export class Bytes {
  private readonly parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 255);
    return this;
  }
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff);
  }
  raw(b: readonly number[] | Buffer): this {
    for (const x of b) this.u8(x);
    return this;
  }
  ip4(text: string): this {
    return this.raw(text.split('.').map(Number));
  }
  /** Full (uncompressed) IPv6 text: 8 groups. */
  ip6(groups: readonly number[]): this {
    for (const g of groups) this.u16(g);
    return this;
  }
  /** XDR opaque<>: length word, bytes, zero padding to 4. */
  opaque(b: Buffer): this {
    this.u32(b.length).raw(b);
    while (this.parts.length % 4 !== 0) this.u8(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  build(): Buffer {
    return Buffer.from(this.parts);
  }
}

/** XDR structure: data_format word, length, body. */
export function struct(enterprise: number, format: number, body: Buffer): Buffer {
  return new Bytes().u32((enterprise << 12) | format).u32(body.length).raw(body).build();
}

export function ipv4Checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4Header(proto: number, src: string, dst: string, totalLen: number, fragWord = 0x4000): Buffer {
  const h = new Bytes().u8(0x45).u8(0).u16(totalLen).u16(0x1234).u16(fragWord).u8(64).u8(proto).u16(0)
    .ip4(src).ip4(dst).build();
  h.writeUInt16BE(ipv4Checksum(h), 10);
  return h;
}

export const ETH_MACS = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb];
