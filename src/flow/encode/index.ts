/**
 * Flow datagram encoders (NetFlow v5, NetFlow v9, IPFIX, sFlow v5) for tests, benchmarks and
 * demo mode.
 *
 * Rules: encoders are the reference producers the decoders are validated against, so they
 * follow the wire specifications exactly (see each module) and never emit uninitialised bytes.
 * They take protocol-neutral FlowRecords and return ready-to-send datagrams.
 */
export { encodeV5, type V5EncodeOptions } from './v5.js';
export { encodeV9, type V9EncodeOptions } from './v9.js';
export { encodeIpfix, type IpfixEncodeOptions } from './ipfix.js';
export { encodeSflow, type SflowEncodeOptions } from './sflow.js';
