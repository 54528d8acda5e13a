/**
 * IPFIX message decoder (RFC 7011, Information Elements of RFC 7012 / IANA).
 *
 * Rules:
 * - One call decodes one IPFIX Message received over UDP. (Options) Templates and options data
 *   (sampling, systemInitTimeMilliseconds) persist in the TemplateStore keyed by exporter +
 *   Observation Domain ID (RFC 7011 §3.1, §8). Time comes from the caller (`nowMs`).
 * - Never throws. Every malformed part becomes a DecodeErrorReason; lengths are checked before
 *   every read and nothing is allocated from a count found in the message.
 * - Enterprise-specific Information Elements (E bit, RFC 7011 §3.2) are skipped by length;
 *   variable-length fields (RFC 7011 §7) are walked per record.
 * - Flow times prefer flowStart/EndMilliseconds (152/153), then micro/nano (154-157, NTP
 *   format), then seconds (150/151), then flowStart/EndSysUpTime (22/21) anchored on
 *   systemInitTimeMilliseconds (160) from options data (modulo 2^32: the unsigned32 uptime
 *   wraps every 49.7 days); without 160 the export time is used.
 */
import type { DecodeResult } from '../types.js';
import { MAX_FIELDS_IN_SET, RecordContext, decodeDataSet, decodeChecked, noteUpsert, u16at as u16, u32at as u32 } from './record-reader.js';
import type { TemplateStore } from './template-store.js';

/** RFC 7011 §3.1: version, length, export time, sequence number, observation domain id. */
const HEADER_LENGTH = 16;
/** RFC 7011 §3.3.2 Set ids. */
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;
const MIN_DATA_SET = 256;
/** RFC 7011 §8.1: withdrawal of all (options) templates uses these template ids. */
const WITHDRAW_ALL_DATA = 2;
const WITHDRAW_ALL_OPTIONS = 3;

const fieldIds = new Uint16Array(MAX_FIELDS_IN_SET);
const fieldLens = new Uint16Array(MAX_FIELDS_IN_SET);
const fieldPens = new Uint32Array(MAX_FIELDS_IN_SET);

/**
 * Decodes one IPFIX Message from `exporter` (the datagram's source address as text).
 * (Options) Templates, withdrawals and options data in the message update `store` and apply to
 * its Data Sets and later messages of the same exporter and Observation Domain.
 * Returns the flows (bytes/packets scaled by sampling, times as Unix ms) and every problem
 * found; never throws. `version` is 'unknown' when the header is not IPFIX (version 10).
 * A header length that disagrees with the datagram is reported as 'bad_length'; the part
 * present in both is decoded.
 */
export function decodeIpfix(buf: Buffer, exporter: string, store: TemplateStore, nowMs: number): DecodeResult {
  const result: DecodeResult = { version: 'ipfix', records: [], errors: [], templatesSeen: 0 };
  return decodeChecked(buf, 10, HEADER_LENGTH, exporter, store, nowMs, result, decodeMessage);
}

function decodeMessage(buf: Buffer, exporter: string, store: TemplateStore, nowMs: number, result: DecodeResult): void {
  const errors = result.errors;
  // RFC 7011 §3.1 message header.
  const messageLength = u16(buf, 2);
  const exportTime = u32(buf, 4);
  result.sequence = u32(buf, 8);
  const domainId = u32(buf, 12);
  result.domainId = domainId;
  if (messageLength < HEADER_LENGTH) {
    errors.push('bad_length');
    return;
  }
  let len = buf.length;
  if (messageLength !== len) {
    errors.push('bad_length');
    if (messageLength < len) len = messageLength;
  }

  const ctx = new RecordContext(exporter, 'ipfix', domainId, store, nowMs);
  ctx.exportMs = exportTime * 1000;

  let p = HEADER_LENGTH;
  // Fewer than 4 trailing octets cannot hold a Set header: ignored.
  while (len - p >= 4) {
    // RFC 7011 §3.3.2 Set header.
    const setId = u16(buf, p);
    const setLength = u16(buf, p + 2);
    if (setLength < 4 || setLength > len - p) {
      errors.push('bad_set_length');
      break;
    }
    const end = p + setLength;
    if (setId === TEMPLATE_SET || setId === OPTIONS_TEMPLATE_SET) {
      parseTemplates(buf, p + 4, end, setId === OPTIONS_TEMPLATE_SET, exporter, domainId, store, nowMs, result);
    } else if (setId >= MIN_DATA_SET) {
      // RFC 7011 §3.4.3: Data Set id = Template ID.
      const plan = store.get(exporter, 'ipfix', domainId, setId, nowMs);
      if (plan === undefined) {
        errors.push('template_missing');
      } else {
        ctx.loadOptions();
        decodeDataSet(buf, p + 4, end, plan, ctx, result.records, errors);
      }
    }
    // Set ids 0, 1 (v9 legacy) and 4-255 are reserved (RFC 7011 §3.3.2): skipped.
    p = end;
  }
}

/**
 * Template Set (RFC 7011 §3.4.1) or Options Template Set (§3.4.2.2, with Scope Field Count),
 * including Template Withdrawals (§8.1: Field Count 0; template id 2/3 withdraws all).
 */
function parseTemplates(
  buf: Buffer,
  q: number,
  end: number,
  isOptions: boolean,
  exporter: string,
  domainId: number,
  store: TemplateStore,
  nowMs: number,
  result: DecodeResult,
): void {
  const errors = result.errors;
  const invalid = isOptions ? 'bad_options_template' : 'bad_template';
  while (end - q >= 4) {
    const templateId = u16(buf, q);
    const fieldCount = u16(buf, q + 2);
    if (templateId === 0 && fieldCount === 0) break; // zero padding (§3.3.1)
    q += 4;
    if (fieldCount === 0) {
      // §8.1 withdrawal. Unknown ids and repeated withdrawals are harmless no-ops.
      if (templateId === (isOptions ? WITHDRAW_ALL_OPTIONS : WITHDRAW_ALL_DATA)) {
        store.withdrawAll(exporter, 'ipfix', domainId, isOptions);
      } else if (templateId >= MIN_DATA_SET) {
        store.withdraw(exporter, 'ipfix', domainId, templateId, isOptions);
      } else {
        errors.push(invalid);
      }
      continue;
    }
    let scopeCount = 0;
    if (isOptions) {
      if (end - q < 2) {
        errors.push(invalid);
        break;
      }
      scopeCount = u16(buf, q);
      q += 2;
    }
    // Every field specifier takes at least 4 octets: reject impossible counts before reading.
    if (fieldCount * 4 > end - q) {
      errors.push(invalid);
      break;
    }
    let truncated = false;
    for (let i = 0; i < fieldCount; i++) {
      if (end - q < 4) {
        truncated = true;
        break;
      }
      const rawId = u16(buf, q);
      fieldLens[i] = u16(buf, q + 2);
      q += 4;
      if (rawId & 0x8000) {
        // §3.2: Enterprise bit set, a 4-octet Enterprise Number follows.
        if (end - q < 4) {
          truncated = true;
          break;
        }
        fieldIds[i] = rawId & 0x7fff;
        fieldPens[i] = u32(buf, q);
        q += 4;
      } else {
        fieldIds[i] = rawId;
        fieldPens[i] = 0;
      }
    }
    if (truncated) {
      errors.push(invalid);
      break;
    }
    // §3.4.1: Template IDs 0-255 are reserved. §3.4.2.2: Scope Field Count MUST NOT be zero
    // and cannot exceed the Field Count.
    if (templateId < MIN_DATA_SET || (isOptions && (scopeCount === 0 || scopeCount > fieldCount))) {
      errors.push(invalid);
      continue;
    }
    const outcome = store.upsert(
      exporter, 'ipfix', domainId, templateId, isOptions, scopeCount, fieldIds, fieldLens, fieldPens, fieldCount, nowMs,
    );
    noteUpsert(outcome, result, invalid);
  }
}
