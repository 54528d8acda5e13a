/**
 * THE list of flow detectors. Rules: a detector exists for the app only if it is listed here
 * (app.ts builds one instance of each, in this order, and hands every classified flow to each);
 * names are stable (they label metrics) and equal the finding category each one raises.
 */
import { beaconingDetector } from './beaconing.js';
import type { DetectorFactory } from './detector.js';
import { highEgressDetector } from './high-egress.js';
import { portScanDetector } from './port-scan.js';
import { suspiciousPortDetector } from './suspicious-port.js';

export const DETECTORS: readonly { name: string; create: DetectorFactory }[] = [
  { name: 'suspicious_port', create: suspiciousPortDetector },
  { name: 'port_scan', create: portScanDetector },
  { name: 'high_egress', create: highEgressDetector },
  { name: 'beaconing', create: beaconingDetector },
];
