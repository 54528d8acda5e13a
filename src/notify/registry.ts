/**
 * The channel registry: the ONE list of notification channel types. Rules: adding a channel
 * = one file in channels/, its options in channel-config.ts (with its secret fields marked)
 * and one entry here. createChannel wraps every channel so that a send never throws and no
 * error text can carry one of the channel's secrets.
 */
import type { ChannelConfig, ChannelConfigOf, ChannelType } from './channel-config.js';
import { channelSecretValues } from './channel-config.js';
import { withSafeErrors, type Channel, type ChannelDeps } from './channel.js';
import { createAppriseChannel } from './channels/apprise.js';
import { createEmailChannel } from './channels/email.js';
import { createGotifyChannel } from './channels/gotify.js';
import { createHomeAssistantChannel } from './channels/homeassistant.js';
import { createNtfyChannel } from './channels/ntfy.js';
import { createPushoverChannel } from './channels/pushover.js';
import { createTelegramChannel } from './channels/telegram.js';
import { createWebhookChannel } from './channels/webhook.js';

type Factories = { [T in ChannelType]: (c: ChannelConfigOf<T>, deps: ChannelDeps) => Channel };

export const CHANNEL_FACTORIES: Factories = {
  email: createEmailChannel,
  pushover: createPushoverChannel,
  ntfy: createNtfyChannel,
  gotify: createGotifyChannel,
  telegram: createTelegramChannel,
  webhook: createWebhookChannel,
  homeassistant: createHomeAssistantChannel,
  apprise: createAppriseChannel,
};

export const CHANNEL_TYPES = Object.keys(CHANNEL_FACTORIES) as ChannelType[];

/** Builds the channel a config object describes (no I/O). */
export function createChannel(c: ChannelConfig, deps: ChannelDeps): Channel {
  const factory = CHANNEL_FACTORIES[c.type] as (c: ChannelConfig, deps: ChannelDeps) => Channel;
  return withSafeErrors(factory(c, deps), channelSecretValues(c));
}
