/**
 * The shared broker suite against Debian's mosquitto (run on 127.0.0.1 on a free port with
 * anonymous access and no persistence); skipped when /usr/sbin/mosquitto is not installed.
 */
import { describe } from 'vitest';
import { brokerSuite } from './broker-suite.js';
import { startMosquitto } from './test-kit.js';

describe('mosquitto', () => {
  brokerSuite('mosquitto', startMosquitto, 'mosquitto is not installed (/usr/sbin/mosquitto; apt-get install mosquitto)');
});
