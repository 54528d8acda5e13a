/**
 * MQTT topic and id naming for the Home Assistant link. Rules: every id that reaches a topic
 * level, a unique_id or an entity id is made of [a-z0-9_] only (Home Assistant's class for
 * discovery ids is [a-zA-Z0-9_-]; entity ids are lower-case with "_"), at most 64
 * characters, and stable: the same input always gives the same id, and two different inputs
 * never share one (an input that had to be changed carries a hash of the original). Topics
 * are built only from the configured prefixes (validated by ha-config.ts) and such ids, so a
 * device name or id from the network can never add a level or a wildcard.
 */
import { createHash } from 'node:crypto';

/** Lower-case [a-z0-9_] form of `raw`, at most 64 characters; a changed or long input gets a hash suffix. */
export function safeId(raw: string): string {
  const plain = raw.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (plain === raw && plain.length > 0 && plain.length <= 64) return plain;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  const head = plain.slice(0, 64 - hash.length - 1);
  return head ? `${head}_${hash}` : hash;
}

export interface TopicNames {
  /** Discovery prefix (homeassistant). */
  prefix: string;
  /** homesec's own tree (homesec). */
  base: string;
  /** The node_id level of discovery topics: safeId(base). */
  node: string;
  availability: string;
  /** Home Assistant's birth / last-will topic. */
  haStatus: string;
  /** Subscription for button presses: `<base>/button/+/press`. */
  buttonPressFilter: string;
  /** Where critical findings are announced (the event entity's state topic). */
  findingEvent: string;
}

/** The fixed topics for a prefix and base topic. */
export function topicNames(prefix: string, base: string): TopicNames {
  return {
    prefix,
    base,
    node: safeId(base),
    availability: `${base}/availability`,
    haStatus: `${prefix}/status`,
    buttonPressFilter: `${base}/button/+/press`,
    findingEvent: `${base}/event/finding`,
  };
}

/** `<prefix>/<component>/<node>/<objectId>/config`. */
export function discoveryTopic(t: TopicNames, component: string, objectId: string): string {
  return `${t.prefix}/${component}/${t.node}/${objectId}/config`;
}

/** The filter matching every discovery topic homesec may own (for clearing stale ones). */
export function ownDiscoveryFilter(t: TopicNames): string {
  return `${t.prefix}/+/${t.node}/+/config`;
}

/** The button id a press topic names, or undefined when the topic is not a press topic. */
export function buttonOf(t: TopicNames, topic: string): string | undefined {
  const head = `${t.base}/button/`;
  if (!topic.startsWith(head) || !topic.endsWith('/press')) return undefined;
  const id = topic.slice(head.length, -'/press'.length);
  return /^[a-z0-9_]{1,64}$/.test(id) ? id : undefined;
}
