/**
 * Announcing critical findings to Home Assistant. Rules: a finding is announced once, when
 * it is first seen critical and not dismissed (a `finding.new`, or a `finding.updated` that
 * raised it to critical); keys already announced are remembered (bounded, oldest forgotten)
 * so repeats of the same finding stay quiet; at most `perMinute` announcements go out per
 * rolling minute and the rest are counted as suppressed (a burst of detections must not
 * flood Home Assistant's event bus). The payload is small, flat and sanitised: it quotes a
 * finding title, which may quote attacker-controlled text.
 */
import type { Clock } from '../core/clock.js';
import type { Finding } from '../findings/types.js';
import { CRITICAL_FINDING_EVENT } from './entities.js';
import { cleanText } from './sources.js';

/** Keys remembered as announced at most. */
export const MAX_ANNOUNCED = 10_000;

/** What an announcement carries (MQTT event entity attributes; Home Assistant bus event data). */
export interface FindingEventData {
  event_type: typeof CRITICAL_FINDING_EVENT;
  key: string;
  category: string;
  severity: string;
  source_ip: string;
  title: string;
  first_seen: string;
}

export interface FindingAnnouncer {
  /** The payload to announce for this finding, or undefined (not critical, dismissed, already announced, over the rate). */
  consider(f: Finding): FindingEventData | undefined;
  readonly announced: number;
  readonly suppressed: number;
}

/** Creates an announcer allowing `perMinute` announcements per rolling minute. */
export function createFindingAnnouncer(clock: Clock, perMinute = 20): FindingAnnouncer {
  const seen = new Set<string>();
  let sentTimes: number[] = [];
  let announced = 0;
  let suppressed = 0;
  return {
    consider(f) {
      if (f.severity !== 'critical' || f.dismissed || seen.has(f.key)) return undefined;
      seen.add(f.key);
      if (seen.size > MAX_ANNOUNCED) seen.delete(seen.values().next().value as string);
      const now = clock.now();
      sentTimes = sentTimes.filter((t) => now - t < 60_000);
      if (sentTimes.length >= perMinute) {
        suppressed++;
        return undefined;
      }
      sentTimes.push(now);
      announced++;
      return {
        event_type: CRITICAL_FINDING_EVENT,
        key: cleanText(f.key, 200) ?? '',
        category: cleanText(f.category, 32) ?? 'unknown',
        severity: f.severity,
        source_ip: cleanText(f.sourceIp, 45) ?? '',
        title: cleanText(f.title, 200) ?? '',
        first_seen: new Date(Number.isFinite(f.firstSeenMs) ? f.firstSeenMs : now).toISOString(),
      };
    },
    get announced() {
      return announced;
    },
    get suppressed() {
      return suppressed;
    },
  };
}
