/**
 * NetFlow version 9 decoder (RFC 3954).
 *
 * Rules:
 * - One call decodes one UDP datagram; templates and options data persist in the TemplateStore
 *   keyed by exporter + source id (RFC 3954 §5.1, §9). Time comes from the caller (`nowMs`).
 * - Never throws. Every malformed part becomes a DecodeErrorReason and decoding continues with
 *   the next FlowSet where the structure allows it; lengths are checked before every read and
 *   nothing is allocated from a count found in the packet.
 * - The header record count is never used to drive a loop (it can be absurd); FlowSet lengths
 *   and the datagram end bound everything.
 * - Data records are decoded through the template's precompiled plan (record-reader.ts).
 */
import type { DecodeErrorReason, DecodeResult } from '../types.js';
import { MAX_FIELDS_IN_SET, RecordContext, decodeDataSet, decodeChecked, noteUpsert, u16at as u16, u32at as u32 } from './record-reader.js';
import type { TemplateStore } from './template-store.js';

/** RFC 3954 §5.1: version, count, sysUpTime, UNIX secs, sequence, source id. */
const HEADER_LENGTH = 20;
/** RFC 3954 §5.2 / §6.1: FlowSet ids of template and options template FlowSets. */
const TEMPLATE_FLOWSET = 0;
const OPTIONS_TEMPLATE_FLOWSET = 1;
/** RFC 3954 §5.2: ids 0-255 are reserved for FlowSet ids; data template ids start at 256. */
const MIN_DATA_ID = 256;

const fieldIds = new Uint16Array(MAX_FIELDS_IN_SET);
const fieldLens = new Uint16Array(MAX_FIELDS_IN_SET);
/** v9 has no enterprise numbers. */
const noPens = new Uint32Array(MAX_FIELDS_IN_SET);

/**
 * Decodes one NetFlow v9 export packet from `exporter` (the datagram's source address as text).
 * Templates and options data (sampling interval) found in the packet are stored in `store`
 * and used for its data FlowSets and later packets from the same exporter and source id.
 * Returns the flows (bytes/packets scaled by sampling, FIRST/LAST_SWITCHED converted to Unix ms)
 * and every problem found; never throws. `version` is 'unknown' when the header is not v9.
 */
export function decodeV9(buf: Buffer, exporter: string, store: TemplateStore, nowMs: number): DecodeResult {
  const result: DecodeResult = { version: 'v9', records: [], errors: [], templatesSeen: 0 };
  return decodeChecked(buf, 9, HEADER_LENGTH, exporter, store, nowMs, result, decodePacket);
}

function decodePacket(buf: Buffer, exporter: string, store: TemplateStore, nowMs: number, result: DecodeResult): void {
  // RFC 3954 §5.1 packet header.
  const count = u16(buf, 2);
  const sysUptime = u32(buf, 4);
  const unixSecs = u32(buf, 8);
  result.sequence = u32(buf, 12);
  const sourceId = u32(buf, 16);
  result.domainId = sourceId;

  const ctx = new RecordContext(exporter, 'v9', sourceId, store, nowMs);
  ctx.setV9Header(unixSecs, sysUptime);

  const errors = result.errors;
  const len = buf.length;
  let templateRecords = 0;
  let missing = false;
  let p = HEADER_LENGTH;
  // Fewer than 4 trailing octets cannot hold a FlowSet header: ignored as padding.
  while (len - p >= 4) {
    const id = u16(buf, p);
    const setLength = u16(buf, p + 2);
    if (setLength < 4 || setLength > len - p) {
      errors.push('bad_set_length');
      break;
    }
    const end = p + setLength;
    if (id === TEMPLATE_FLOWSET) {
      templateRecords += parseTemplates(buf, p + 4, end, exporter, sourceId, store, nowMs, result);
    } else if (id === OPTIONS_TEMPLATE_FLOWSET) {
      templateRecords += parseOptionsTemplates(buf, p + 4, end, exporter, sourceId, store, nowMs, result);
    } else if (id >= MIN_DATA_ID) {
      // RFC 3954 §5.3 data FlowSet: FlowSet id = template id.
      const plan = store.get(exporter, 'v9', sourceId, id, nowMs);
      if (plan === undefined) {
        errors.push('template_missing');
        missing = true;
      } else {
        ctx.loadOptions();
        decodeDataSet(buf, p + 4, end, plan, ctx, result.records, errors);
      }
    }
    // FlowSet ids 2-255 are reserved (RFC 3954 §5.2): skipped.
    p = end;
  }
  // RFC 3954 §5.1: count = template + options template + data records. A count larger than
  // what the packet holds means records were lost; a smaller one is a common exporter quirk.
  if (!missing && count > templateRecords + ctx.recordsSeen) errors.push('bad_record_count');
}

/** Template FlowSet (RFC 3954 §5.2). Returns the number of template records walked. */
function parseTemplates(
  buf: Buffer,
  q: number,
  end: number,
  exporter: string,
  sourceId: number,
  store: TemplateStore,
  nowMs: number,
  result: DecodeResult,
): number {
  let records = 0;
  while (end - q >= 4) {
    const templateId = u16(buf, q);
    const fieldCount = u16(buf, q + 2);
    if (templateId === 0 && fieldCount === 0) break; // zero padding
    q += 4;
    records++;
    if (fieldCount === 0) {
      result.errors.push('bad_template');
      continue;
    }
    // Checked before touching any field: a count that cannot fit ends the FlowSet.
    if (fieldCount * 4 > end - q) {
      result.errors.push('bad_template');
      break;
    }
    for (let i = 0; i < fieldCount; i++, q += 4) {
      fieldIds[i] = u16(buf, q);
      fieldLens[i] = u16(buf, q + 2);
    }
    if (templateId < MIN_DATA_ID) {
      result.errors.push('bad_template');
      continue;
    }
    const outcome = store.upsert(exporter, 'v9', sourceId, templateId, false, 0, fieldIds, fieldLens, noPens, fieldCount, nowMs);
    noteUpsert(outcome, result, 'bad_template');
  }
  return records;
}

/**
 * Options Template FlowSet (RFC 3954 §6.1): template id, option scope length and option length
 * in octets (each a multiple of 4, one field specifier per 4 octets), scope fields, option
 * fields, padding. Returns the number of options template records walked.
 */
function parseOptionsTemplates(
  buf: Buffer,
  q: number,
  end: number,
  exporter: string,
  sourceId: number,
  store: TemplateStore,
  nowMs: number,
  result: DecodeResult,
): number {
  const errors: DecodeErrorReason[] = result.errors;
  let records = 0;
  while (end - q >= 6) {
    const templateId = u16(buf, q);
    const scopeLength = u16(buf, q + 2);
    const optionLength = u16(buf, q + 4);
    if (templateId === 0 && scopeLength === 0 && optionLength === 0) break; // zero padding
    q += 6;
    records++;
    if (scopeLength % 4 !== 0 || optionLength % 4 !== 0) {
      errors.push('bad_options_template');
      break; // the rest of the FlowSet cannot be located
    }
    const total = scopeLength + optionLength;
    if (total > end - q) {
      errors.push('bad_options_template');
      break;
    }
    const scopeCount = scopeLength / 4;
    const fieldCount = total / 4;
    if (fieldCount === 0) {
      errors.push('bad_options_template');
      continue;
    }
    for (let i = 0; i < fieldCount; i++, q += 4) {
      fieldIds[i] = u16(buf, q);
      fieldLens[i] = u16(buf, q + 2);
    }
    if (templateId < MIN_DATA_ID) {
      errors.push('bad_options_template');
      continue;
    }
    const outcome = store.upsert(
      exporter, 'v9', sourceId, templateId, true, scopeCount, fieldIds, fieldLens, noPens, fieldCount, nowMs,
    );
    noteUpsert(outcome, result, 'bad_options_template');
  }
  return records;
}
