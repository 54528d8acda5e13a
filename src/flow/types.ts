/**
 * Flow types shared by the decoders, the collector and traffic analysis.
 *
 * Rules: a FlowRecord is protocol-neutral: whichever export format carried it (NetFlow v5,
 * v9, IPFIX, sFlow), times are absolute Unix milliseconds and counters are already scaled by
 * the sampling interval. Decoders never throw: every malformed input becomes a counted
 * DecodeError reason.
 */

/** One unidirectional flow, as every decoder emits it. */
export interface FlowRecord {
  /** 4 or 6. */
  ipVersion: 4 | 6;
  /** Source address in canonical text form (dotted quad, or RFC 5952 IPv6). */
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, ...). */
  protocol: number;
  /** Octets, scaled by the sampling interval. */
  bytes: number;
  /** Packets, scaled by the sampling interval. */
  packets: number;
  /** Cumulative OR of TCP flags (0 when unknown or not TCP). */
  tcpFlags: number;
  /** Flow start and end, absolute Unix time in milliseconds. */
  startMs: number;
  endMs: number;
  /** Exporter address (the datagram's source IP) as text. */
  exporter: string;
  /** SNMP ifIndex of input/output interface, 0 when unknown. */
  inputIf: number;
  outputIf: number;
  /** Sampling interval that was applied to bytes/packets (1 = unsampled). */
  samplingRate: number;
}

/** Why a datagram, set or record was rejected. Stable strings: they become metric labels. */
export type DecodeErrorReason =
  | 'truncated_header'
  | 'bad_version'
  | 'bad_length'
  | 'bad_set_length'
  | 'bad_record_count'
  | 'bad_template'
  | 'template_missing'
  | 'template_limit'
  | 'template_changed'
  | 'bad_field_length'
  | 'bad_options_template'
  | 'truncated_record'
  | 'unsupported_sample'
  | 'bad_sample'
  /** sFlow agent address type other than 0 (unknown), 1 (IPv4) or 2 (IPv6): rest unparseable. */
  | 'bad_address_type'
  /** A decoder hit an unexpected exception (a bug): the rest of the datagram was dropped. */
  | 'internal_error';

/** The outcome of decoding one datagram. */
export interface DecodeResult {
  /** Export format version found in the header (5, 9, 10, or 5 for sFlow v5 is reported as 'sflow5'). */
  version: 'v5' | 'v9' | 'ipfix' | 'sflow5' | 'unknown';
  records: FlowRecord[];
  /** Counted errors; a datagram may decode partially and still report errors. */
  errors: DecodeErrorReason[];
  /** Exporter-reported sequence number (v5 flow_sequence, v9 package sequence, IPFIX sequence, sFlow datagram seq). */
  sequence?: number;
  /** Observation domain / source id / engine id / sub-agent id, when the format has one. */
  domainId?: number;
  /** Number of templates (data + options) learned or refreshed from this datagram. */
  templatesSeen: number;
}
