/**
 * The demo's home network, as data: who is on it, which real services the lab hosts run, and
 * what everyone does on the wire. traffic-model.ts turns the activities into flow records;
 * lab-services.ts serves the services; demo.ts writes the devices into a DHCP lease file.
 *
 * Rules:
 * - Every address here is data, never contacted: home devices are in 192.168.1.0/24 (only
 *   their flow records exist), external peers are documentation addresses (RFC 5737:
 *   192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), so no real party is named as a threat.
 * - The lab hosts are the only exception: they are loopback addresses (127.0.0.x) where the
 *   demo runs real TCP services on unprivileged ports, the only thing the demo scanner probes.
 *   They also appear in flows, so scans, flows and the inventory describe the same devices.
 * - Times are seconds relative to the demo start: negative times are the recorded history
 *   (HISTORY_SECONDS, replayed at once at start), positive ones happen live.
 * - Each story event names the finding category it must raise (`expect`): the end-to-end test
 *   and the unit tests check exactly these.
 */

/** How much recorded history is replayed at start, in seconds. */
export const HISTORY_SECONDS = 30 * 60;

/** The home network and its router. */
export const HOME_NETWORK = '192.168.1.0/24';
export const LAB_NETWORK = '127.0.0.0/24';
export const GATEWAY = '192.168.1.1';

export interface DemoDevice {
  ip: string;
  mac: string;
  hostname: string;
  /** What it stands for (start-up summary, docs). */
  what: string;
  /** Seconds after the start at which it joins (the new-device story); absent: already known. */
  joinsAt?: number;
}

export const DEVICES: readonly DemoDevice[] = [
  { ip: '192.168.1.10', mac: 'da:a1:19:5c:00:10', hostname: 'annas-iphone', what: 'phone with a private (randomised) MAC' },
  { ip: '192.168.1.11', mac: 'f4:f5:d8:3e:11:0b', hostname: 'pixel-7', what: 'Android phone' },
  { ip: '192.168.1.12', mac: 'a4:83:e7:52:9c:0c', hostname: 'macbook-air', what: 'laptop' },
  { ip: '192.168.1.13', mac: '3c:a9:f4:88:21:0d', hostname: 'work-laptop', what: 'laptop' },
  { ip: '192.168.1.14', mac: 'f4:7b:09:10:42:0e', hostname: 'kids-laptop', what: 'laptop that reaches a listed botnet C2' },
  { ip: '192.168.1.30', mac: '8c:71:f8:44:02:1e', hostname: 'samsung-tv', what: 'smart TV streaming video' },
  { ip: '192.168.1.31', mac: '1c:a4:10:99:31:1f', hostname: 'android-tv-box', what: 'cheap TV box that beacons every minute' },
  { ip: '192.168.1.40', mac: '50:c7:bf:0a:40:28', hostname: 'tapo-plug-kitchen', what: 'smart plug' },
  { ip: '192.168.1.41', mac: '50:c7:bf:0a:41:29', hostname: 'tapo-plug-desk', what: 'smart plug that scans the internet for telnet' },
  { ip: '192.168.1.42', mac: 'f0:27:2d:77:42:2a', hostname: 'echo-dot', what: 'smart speaker' },
  { ip: '192.168.1.43', mac: '18:b4:30:5d:43:2b', hostname: 'nest-thermostat', what: 'thermostat' },
  { ip: '127.0.0.20', mac: '00:11:32:ab:20:14', hostname: 'diskstation', what: 'NAS (lab host: SSH, web UI) that backs up to the cloud' },
  { ip: '127.0.0.30', mac: 'b8:27:eb:6c:30:1e', hostname: 'homeserver', what: 'Raspberry Pi (lab host: old Apache httpd, vsftpd)' },
  { ip: '127.0.0.40', mac: 'dc:a6:32:01:40:28', hostname: 'homeassistant', what: 'home automation hub (lab host: MQTT broker)' },
  { ip: '127.0.0.50', mac: '44:19:b6:3c:50:32', hostname: 'garden-camera', what: 'IP camera (lab host: telnet, RTSP) uploading to its cloud' },
  { ip: '192.168.1.77', mac: 'a2:5e:91:07:77:4d', hostname: 'kali', what: 'unknown laptop that joins and port-scans the router', joinsAt: 20 },
];

/** A real service a lab host runs (see lab-services.ts for what each kind answers). */
export type LabService =
  | { host: string; port: number; kind: 'banner'; banner: string; reply?: string }
  | { host: string; port: number; kind: 'http'; server: string; title: string; body: string }
  | { host: string; port: number; kind: 'mqtt'; version: string }
  | { host: string; port: number; kind: 'rtsp'; server: string };

/** Unprivileged ports, each used once, so a port taken on this machine costs one service only. */
export const LAB_SERVICES: readonly LabService[] = [
  { host: '127.0.0.20', port: 2222, kind: 'banner', banner: 'SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5\r\n' },
  {
    host: '127.0.0.20',
    port: 5000,
    kind: 'http',
    server: 'nginx/1.18.0',
    title: 'diskstation - Sign in',
    body: '<form method="post" action="/login"><input name="username"><input name="passwd" type="password"><button>Sign in</button></form>',
  },
  {
    host: '127.0.0.30',
    port: 8081,
    kind: 'http',
    server: 'Apache/2.4.49 (Unix)',
    title: 'Apache2 Default Page: It works',
    body: '<h1>It works!</h1>',
  },
  { host: '127.0.0.30', port: 2121, kind: 'banner', banner: '220 (vsFTPd 2.3.4)\r\n', reply: '530 Please login with USER and PASS.\r\n' },
  { host: '127.0.0.40', port: 1883, kind: 'mqtt', version: 'mosquitto version 1.6.9' },
  // BusyBox telnetd: IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS, then the login prompt.
  { host: '127.0.0.50', port: 2323, kind: 'banner', banner: '\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\r\n(none) login: ' },
  { host: '127.0.0.50', port: 8554, kind: 'rtsp', server: 'LIVE555 Streaming Media v2018.08.28' },
];

/** The lab hosts (distinct, in order). */
export const LAB_HOSTS: readonly string[] = [...new Set(LAB_SERVICES.map((s) => s.host))];

/** External peers (RFC 5737 documentation addresses) and what they stand for. */
export const PEERS = {
  videoCdn: '192.0.2.10',
  streaming: '192.0.2.20',
  applePush: '192.0.2.30',
  googleApis: '192.0.2.40',
  news: '192.0.2.50',
  upstreamDns: '192.0.2.53',
  updates: '192.0.2.60',
  ntp: '192.0.2.123',
  plugCloud: '198.51.100.10',
  cameraCloud: '198.51.100.20',
  backupCloud: '198.51.100.30',
  speakerCloud: '198.51.100.40',
  thermostatCloud: '198.51.100.41',
  beaconC2: '198.51.100.77',
  listedC2: '203.0.113.66',
} as const;

/** The demo's Feodo Tracker-format blocklist (served by the demo intel server). */
export const BLOCKLIST_TEXT = [
  '################################################################',
  '# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (recommended)  #',
  '# homesec demo copy: documentation addresses only (RFC 5737)   #',
  '################################################################',
  '#',
  '# DstIP',
  PEERS.listedC2,
  '203.0.113.13',
  '198.51.100.201',
  '# END 3 entries',
  '',
].join('\n');

export type Proto = 'tcp' | 'udp';
export type FindingCategory = 'port_scan' | 'suspicious_port' | 'beaconing' | 'blacklist' | 'high_egress' | 'new_device' | 'vulnerability';
/** [min, max] bytes. */
export type Bytes = readonly [number, number];

interface Timed {
  /** First second it runs (default: -HISTORY_SECONDS). */
  from?: number;
  /** Second it stops (default: never). */
  until?: number;
  /** What the story shows, for the demo log. */
  story?: string;
  /** The finding category this activity must raise. */
  expect?: FindingCategory;
}

/**
 * Traffic patterns (traffic-model.ts):
 * - periodic: a new connection every `every` s (+- `jitter`), e.g. DNS, a beacon, a C2 check-in.
 * - sessions: Poisson arrivals, `perHour` on average, each to one of `peers` (browsing, apps).
 * - stream: one long connection, reported once a minute (an exporter's active timeout).
 * - probes: one single-packet connection attempt to every target x port within `spread` s, at
 *   `from` and then every `every` s (port scans, telnet scanning); `answered`: the targets
 *   answer (RST, or SYN-ACK from open ports), as hosts on the LAN do.
 * - bulk: `records` large transfers all ending at `from` (an upload).
 */
export type Activity = Timed &
  (
    | { kind: 'periodic'; src: string; dst: string; port: number; proto: Proto; every: number; jitter: number; out: Bytes; in: Bytes }
    | { kind: 'sessions'; src: string; peers: readonly string[]; port: number; proto: Proto; perHour: number; out: Bytes; in: Bytes }
    | { kind: 'stream'; src: string; dst: string; port: number; proto: Proto; outPerMinute: number; inPerMinute: number }
    | { kind: 'probes'; src: string; targets: readonly string[]; ports: readonly number[]; spread: number; every?: number; answered: boolean }
    | { kind: 'bulk'; src: string; dst: string; port: number; bytes: number; records: number; from: number }
  );

const HOME_CLIENTS = ['192.168.1.10', '192.168.1.11', '192.168.1.12', '192.168.1.13', '192.168.1.14', '192.168.1.30', '192.168.1.31'];
const WEB = [PEERS.videoCdn, PEERS.googleApis, PEERS.news, PEERS.updates];

/** The ports the kali laptop tries on the router (nmap's most common ones). */
const SCAN_PORTS = [
  21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080, 8443, 8888, 1025, 1026, 1027, 1720, 199, 587, 113,
  548, 554, 631, 2049, 5060, 5000, 49152, 10000, 32768, 6001, 9100,
];

/** Telnet-scanning targets of the plug (documentation addresses). */
const TELNET_TARGETS = Array.from({ length: 24 }, (_, i) => `203.0.113.${100 + i * 3}`);

export const ACTIVITIES: readonly Activity[] = [
  // Everyone resolves names through the router, which asks its upstream resolver.
  ...[...HOME_CLIENTS, '192.168.1.40', '192.168.1.41', '192.168.1.42', '192.168.1.43'].map(
    (src, i): Activity => ({ kind: 'periodic', src, dst: GATEWAY, port: 53, proto: 'udp', every: 90 + i * 7, jitter: 30, out: [60, 90], in: [90, 300] }),
  ),
  { kind: 'periodic', src: GATEWAY, dst: PEERS.upstreamDns, port: 53, proto: 'udp', every: 20, jitter: 8, out: [70, 90], in: [100, 400] },
  { kind: 'periodic', src: GATEWAY, dst: PEERS.ntp, port: 123, proto: 'udp', every: 300, jitter: 5, out: [76, 76], in: [76, 76] },
  // People browsing and using apps.
  { kind: 'sessions', src: '192.168.1.10', peers: [...WEB, PEERS.applePush], port: 443, proto: 'tcp', perHour: 40, out: [2_000, 40_000], in: [20_000, 2_000_000] },
  { kind: 'sessions', src: '192.168.1.11', peers: WEB, port: 443, proto: 'tcp', perHour: 30, out: [2_000, 30_000], in: [20_000, 1_500_000] },
  { kind: 'sessions', src: '192.168.1.12', peers: WEB, port: 443, proto: 'tcp', perHour: 50, out: [3_000, 80_000], in: [30_000, 5_000_000] },
  { kind: 'sessions', src: '192.168.1.13', peers: [PEERS.googleApis, PEERS.news, PEERS.updates], port: 443, proto: 'tcp', perHour: 45, out: [5_000, 200_000], in: [20_000, 3_000_000] },
  { kind: 'sessions', src: '192.168.1.14', peers: [PEERS.videoCdn, PEERS.news], port: 443, proto: 'tcp', perHour: 25, out: [2_000, 20_000], in: [50_000, 4_000_000] },
  { kind: 'sessions', src: '192.168.1.10', peers: ['127.0.0.20'], port: 445, proto: 'tcp', perHour: 6, out: [50_000, 2_000_000], in: [5_000, 40_000] },
  { kind: 'sessions', src: '192.168.1.12', peers: ['127.0.0.20'], port: 5000, proto: 'tcp', perHour: 4, out: [3_000, 10_000], in: [40_000, 300_000] },
  { kind: 'stream', src: '192.168.1.10', dst: PEERS.applePush, port: 5223, proto: 'tcp', outPerMinute: 400, inPerMinute: 600 },
  // The TV streams an evening film.
  { kind: 'stream', src: '192.168.1.30', dst: PEERS.streaming, port: 443, proto: 'tcp', outPerMinute: 400_000, inPerMinute: 30_000_000, from: -1200 },
  // IoT keeps one connection open to its cloud; the hub collects the plugs over MQTT.
  { kind: 'stream', src: '192.168.1.40', dst: PEERS.plugCloud, port: 8883, proto: 'tcp', outPerMinute: 900, inPerMinute: 700 },
  { kind: 'stream', src: '192.168.1.41', dst: PEERS.plugCloud, port: 8883, proto: 'tcp', outPerMinute: 900, inPerMinute: 700 },
  { kind: 'stream', src: '192.168.1.42', dst: PEERS.speakerCloud, port: 443, proto: 'tcp', outPerMinute: 3_000, inPerMinute: 8_000 },
  { kind: 'stream', src: '192.168.1.43', dst: PEERS.thermostatCloud, port: 443, proto: 'tcp', outPerMinute: 1_200, inPerMinute: 1_500 },
  { kind: 'stream', src: '192.168.1.40', dst: '127.0.0.40', port: 1883, proto: 'tcp', outPerMinute: 300, inPerMinute: 200 },
  { kind: 'stream', src: '192.168.1.41', dst: '127.0.0.40', port: 1883, proto: 'tcp', outPerMinute: 300, inPerMinute: 200 },
  // The camera uploads to its cloud and the hub watches its RTSP stream.
  { kind: 'stream', src: '127.0.0.50', dst: PEERS.cameraCloud, port: 443, proto: 'tcp', outPerMinute: 4_000_000, inPerMinute: 60_000 },
  { kind: 'stream', src: '127.0.0.40', dst: '127.0.0.50', port: 8554, proto: 'tcp', outPerMinute: 2_000, inPerMinute: 3_000_000 },
  { kind: 'periodic', src: '127.0.0.20', dst: PEERS.updates, port: 443, proto: 'tcp', every: 600, jitter: 60, out: [2_000, 4_000], in: [10_000, 90_000] },
  // The stories.
  {
    kind: 'periodic',
    src: '192.168.1.31',
    dst: PEERS.beaconC2,
    port: 443,
    proto: 'tcp',
    every: 60,
    jitter: 2,
    out: [410, 450],
    in: [1_180, 1_260],
    story: 'android-tv-box calls 198.51.100.77 every ~60 s (recorded history)',
    expect: 'beaconing',
  },
  {
    kind: 'periodic',
    src: '192.168.1.14',
    dst: PEERS.listedC2,
    port: 443,
    proto: 'tcp',
    every: 30,
    jitter: 5,
    out: [800, 1_400],
    in: [300, 900],
    from: 4,
    story: 'kids-laptop checks in with 203.0.113.66, a botnet C2 on the blocklist',
    expect: 'blacklist',
  },
  {
    kind: 'probes',
    src: '192.168.1.41',
    targets: TELNET_TARGETS,
    ports: [23, 2323],
    spread: 10,
    every: 20,
    answered: false,
    from: 7,
    story: 'tapo-plug-desk tries telnet (23, 2323) on internet addresses, like Mirai',
    expect: 'suspicious_port',
  },
  {
    kind: 'bulk',
    src: '127.0.0.20',
    dst: PEERS.backupCloud,
    port: 443,
    bytes: 90_000_000,
    records: 6,
    from: 11,
    story: 'diskstation uploads 90 MB to a cloud backup within minutes',
    expect: 'high_egress',
  },
  { kind: 'periodic', src: '192.168.1.77', dst: GATEWAY, port: 53, proto: 'udp', every: 15, jitter: 5, out: [60, 90], in: [90, 300], from: 20, story: 'a laptop called kali joins the network', expect: 'new_device' },
  {
    kind: 'probes',
    src: '192.168.1.77',
    targets: [GATEWAY],
    ports: SCAN_PORTS,
    spread: 8,
    answered: true,
    from: 24,
    story: 'kali port-scans the router (40 ports in 8 s)',
    expect: 'port_scan',
  },
];
