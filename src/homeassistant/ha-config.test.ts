import { describe, expect, it } from 'vitest';
import { HOMEASSISTANT_CONFIG_SHAPE, parseHomeAssistantConfig } from './ha-config.js';

describe('Home Assistant config keys', () => {
  it('defaults: MQTT and WebSocket off unless configured, discovery prefix homeassistant, base homesec', () => {
    expect(parseHomeAssistantConfig({})).toEqual({
      mqtt_url: '',
      mqtt_username: '',
      mqtt_password: '',
      mqtt_discovery_prefix: 'homeassistant',
      mqtt_base_topic: 'homesec',
      ha_discovery: true,
      ha_device_entities: false,
      ha_finding_events: true,
      ha_publish_interval_seconds: 30,
      ha_url: '',
      ha_token: '',
      ha_tracker_enrichment: true,
    });
  });

  it('accepts broker and Home Assistant URLs and flat-option spellings', () => {
    const c = parseHomeAssistantConfig({ mqtt_url: 'mqtts://broker.lan:8883', ha_url: 'http://homeassistant.local:8123', ha_device_entities: 'yes', ha_publish_interval_seconds: '60', mqtt_base_topic: 'home/sec' });
    expect(c).toMatchObject({ mqtt_url: 'mqtts://broker.lan:8883', ha_url: 'http://homeassistant.local:8123', ha_device_entities: true, ha_publish_interval_seconds: 60, mqtt_base_topic: 'home/sec' });
  });

  it('refuses wildcard or empty topic levels and foreign URL schemes', () => {
    for (const bad of [{ mqtt_base_topic: 'homesec/#' }, { mqtt_base_topic: 'a//b' }, { mqtt_discovery_prefix: '+' }, { mqtt_discovery_prefix: '$SYS' }, { mqtt_base_topic: '' }, { mqtt_url: 'http://broker' }, { ha_url: 'file:///etc/passwd' }, { ha_publish_interval_seconds: 1 }]) {
      expect(() => parseHomeAssistantConfig(bad), JSON.stringify(bad)).toThrow();
    }
  });

  it('marks the password and the token secret, nothing else', () => {
    const secret = Object.entries(HOMEASSISTANT_CONFIG_SHAPE)
      .filter(([, s]) => (s.meta() as { secret?: boolean } | undefined)?.secret === true)
      .map(([k]) => k);
    expect(secret).toEqual(['mqtt_password', 'ha_token']);
    for (const [k, s] of Object.entries(HOMEASSISTANT_CONFIG_SHAPE)) expect((s.meta() as { description?: string }).description, k).toBeTruthy();
  });
});
