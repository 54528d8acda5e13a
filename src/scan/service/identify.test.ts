import { describe, expect, it } from 'vitest';
import type { Service } from '../types.js';
import { identifyService, type IdentifyInput } from './identify.js';
import { MONGODB_REQUEST_ID } from './replies.js';
import { DNS_QUERY_ID } from './dns-version.js';
import { bson, dnsVersionAnswer, latin1, loadCaptures, mongoOpReply, mysqlErrPacket, mysqlHandshakeV10 } from './testdata/builders.js';

const captures = loadCaptures();

function capture(id: string): IdentifyInput {
  const c = captures.get(id);
  if (!c) throw new Error(`no capture ${id}`);
  return c.probe ? { port: c.port, probe: c.probe, response: c.bytes } : { port: c.port, banner: c.bytes };
}

const banner = (port: number, text: string): Service => identifyService({ port, banner: latin1(text) });
const answer = (port: number, probe: string, text: string): Service => identifyService({ port, probe, response: latin1(text) });

describe('identifyService on real captures (Debian 12 packages on this machine, see testdata/captures.json)', () => {
  it('OpenSSH 9.2p1 Debian', () => {
    expect(identifyService(capture('openssh'))).toEqual({
      port: 22,
      protocol: 'tcp',
      name: 'ssh',
      product: 'openssh',
      productName: 'OpenSSH',
      version: '9.2p1',
      extra: 'protocol 2.0',
      distro: 'debian',
      osHint: 'linux',
      cpe: ['cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*'],
      banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10',
      method: 'banner',
      confidence: 10,
    });
  });

  it('OpenSSH answering the generic probe after its banner', () => {
    const s = identifyService(capture('openssh-generic'));
    expect([s.name, s.product, s.version, s.method]).toEqual(['ssh', 'openssh', '9.2p1', 'probe:generic-lines']);
    expect(s.banner).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\\r\\nInvalid SSH identification string.');
  });

  it('vsftpd 3.0.3', () => {
    const s = identifyService(capture('vsftpd'));
    expect(s).toMatchObject({ name: 'ftp', product: 'vsftpd', version: '3.0.3', cpe: ['cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*'], confidence: 10 });
  });

  it('vsftpd refusing to run (500 OOPS) is still vsftpd, without a version', () => {
    const s = identifyService(capture('vsftpd-oops'));
    expect(s).toMatchObject({ name: 'ftp', product: 'vsftpd', extra: 'error: vsftpd: both local and anonymous access disabled!', confidence: 8 });
    expect(s.version).toBeUndefined();
    expect(s.cpe).toEqual(['cpe:2.3:a:beasts:vsftpd:*:*:*:*:*:*:*:*']);
  });

  it('nginx 1.22.1 answering GET /', () => {
    const s = identifyService(capture('nginx'));
    expect(s).toMatchObject({ name: 'http', product: 'nginx', version: '1.22.1', method: 'probe:http-get', cpe: ['cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*'] });
  });

  it('lighttpd 1.4.69 (Server header after other headers, 403 page)', () => {
    expect(identifyService(capture('lighttpd'))).toMatchObject({ name: 'http', product: 'lighttpd', version: '1.4.69', confidence: 10 });
  });

  it('Mosquitto 2.0.11 CONNACK: mqtt, accepted, no product invented', () => {
    const s = identifyService(capture('mosquitto'));
    expect(s).toMatchObject({ name: 'mqtt', extra: 'connection accepted', method: 'probe:mqtt-connect', confidence: 7 });
    expect(s.product).toBeUndefined();
  });

  it('dnsmasq 2.90 answering version.bind', () => {
    const s = identifyService(capture('dnsmasq'));
    expect(s).toMatchObject({ name: 'domain', product: 'dnsmasq', version: '2.90', cpe: ['cpe:2.3:a:thekelleys:dnsmasq:2.90:*:*:*:*:*:*:*'] });
  });

  it('PostgreSQL 15 answering SSLRequest with N', () => {
    const s = identifyService(capture('postgresql'));
    expect(s).toMatchObject({ name: 'postgresql', product: 'postgresql', extra: 'TLS not offered', confidence: 8 });
  });
});

describe('identifyService: SSH servers (shapes from nmap-service-probes match lines and vendor packages)', () => {
  it('OpenSSH on Ubuntu 22.04 (openssh-server 1:8.9p1-3ubuntu0.10)', () => {
    expect(banner(22, 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n')).toMatchObject({ product: 'openssh', version: '8.9p1', distro: 'ubuntu' });
  });

  it('OpenSSH on Raspbian buster (1:7.9p1-10+deb10u2)', () => {
    expect(banner(22, 'SSH-2.0-OpenSSH_7.9p1 Raspbian-10+deb10u2\r\n')).toMatchObject({ version: '7.9p1', distro: 'raspbian', osHint: 'linux' });
  });

  it('OpenSSH in FreeBSD base (VersionAddendum FreeBSD-<date>)', () => {
    const s = banner(22, 'SSH-2.0-OpenSSH_9.3 FreeBSD-20230719\r\n');
    expect(s).toMatchObject({ version: '9.3', osHint: 'freebsd', cpe: ['cpe:2.3:a:openbsd:openssh:9.3:*:*:*:*:*:*:*'] });
    expect(s.distro).toBeUndefined();
  });

  it('OpenSSH for Windows', () => {
    expect(banner(22, 'SSH-2.0-OpenSSH_for_Windows_8.1\r\n')).toMatchObject({ product: 'openssh', version: '8.1', osHint: 'windows' });
  });

  it('Dropbear 2022.83 followed by its KEXINIT packet', () => {
    const kexinit = Uint8Array.from([0x00, 0x00, 0x01, 0x4c, 0x06, 0x14, 0x9f, 0x3e, 0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x00, 0x00, 0x2c]);
    const bytes = new Uint8Array([...latin1('SSH-2.0-dropbear_2022.83\r\n'), ...kexinit]);
    const s = identifyService({ port: 22, banner: bytes });
    expect(s).toMatchObject({
      name: 'ssh',
      product: 'dropbear',
      version: '2022.83',
      extra: 'protocol 2.0',
      cpe: ['cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*'],
    });
    expect(s.banner).toBe('SSH-2.0-dropbear_2022.83\\r\\n\\x00\\x00\\x01L\\x06\\x14\\x9f>\\x00\\xff\\x1b[2J\\x00\\x00\\x00,');
  });

  it('libssh, Cisco, RomSShell, MikroTik and an unknown implementation', () => {
    expect(banner(22, 'SSH-2.0-libssh_0.9.6\r\n')).toMatchObject({ product: 'libssh', version: '0.9.6', cpe: ['cpe:2.3:a:libssh:libssh:0.9.6:*:*:*:*:*:*:*'] });
    expect(banner(22, 'SSH-2.0-Cisco-1.25\r\n')).toMatchObject({ product: 'cisco-ssh', version: '1.25', osHint: 'ios' });
    expect(banner(22, 'SSH-2.0-RomSShell_4.62\r\n')).toMatchObject({ product: 'romsshell', version: '4.62', osHint: 'embedded' });
    expect(banner(22, 'SSH-2.0-ROSSSH\r\n')).toMatchObject({ product: 'routeros-sshd', osHint: 'routeros', confidence: 8 });
    const other = banner(2222, 'SSH-2.0-WeirdServer_3.1\r\n');
    expect(other).toMatchObject({ name: 'ssh', extra: 'protocol 2.0; WeirdServer_3.1', confidence: 7 });
    expect(other.product).toBeUndefined();
  });

  it('SSH protocol 1.99 is reported as such', () => {
    expect(banner(22, 'SSH-1.99-OpenSSH_3.9p1\r\n')).toMatchObject({ version: '3.9p1', extra: 'protocol 1.99' });
  });
});

describe('identifyService: FTP servers', () => {
  it('ProFTPD with version and default ServerName (nmap-service-probes: "220 ProFTPD (\\d\\S+) Server")', () => {
    expect(banner(21, '220 ProFTPD 1.3.5 Server (ProFTPD Default Installation) [10.10.76.229]\r\n')).toMatchObject({
      product: 'proftpd',
      version: '1.3.5',
      cpe: ['cpe:2.3:a:proftpd:proftpd:1.3.5:*:*:*:*:*:*:*'],
    });
  });

  it('ProFTPD from Debian (ServerName "Debian", version hidden)', () => {
    const s = banner(21, '220 ProFTPD Server (Debian) [::ffff:192.168.1.20]\r\n');
    expect(s).toMatchObject({ product: 'proftpd', distro: 'debian', confidence: 8 });
    expect(s.version).toBeUndefined();
  });

  it('Pure-FTPd welcome block', () => {
    const s = banner(21, '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n');
    expect(s).toMatchObject({ product: 'pure-ftpd', productName: 'Pure-FTPd', cpe: ['cpe:2.3:a:pureftpd:pure-ftpd:*:*:*:*:*:*:*:*'] });
  });

  it('FileZilla Server 1.x (multi-line greeting) and 0.9 (version … beta)', () => {
    expect(banner(21, '220-FileZilla Server 1.8.1\r\n220 Please visit https://filezilla-project.org/\r\n')).toMatchObject({
      product: 'filezilla-server',
      version: '1.8.1',
    });
    expect(banner(21, '220-FileZilla Server version 0.9.60 beta\r\n')).toMatchObject({
      version: '0.9.60 beta',
      cpe: ['cpe:2.3:a:filezilla-project:filezilla_server:0.9.60:*:*:*:*:*:*:*'],
    });
  });

  it('Microsoft FTP Service', () => {
    expect(banner(21, '220 Microsoft FTP Service\r\n')).toMatchObject({ product: 'microsoft-ftp', osHint: 'windows', confidence: 8 });
  });

  it('a generic FTP greeting, and a bare 220 trusted only on an FTP port', () => {
    const generic = banner(2121, '220 Welcome to the example FTP service.\r\n');
    expect([generic.name, generic.product, generic.confidence]).toEqual(['ftp', undefined, 7]);
    expect(banner(21, '220 ready\r\n')).toMatchObject({ name: 'ftp', confidence: 5 });
    expect(banner(4000, '220 ready\r\n')).toMatchObject({ name: 'unknown', confidence: 0, method: 'banner' });
  });
});

describe('identifyService: mail servers', () => {
  it('Postfix with Debian default smtpd_banner', () => {
    const s = banner(25, '220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n');
    expect(s).toMatchObject({ name: 'smtp', product: 'postfix', distro: 'debian', cpe: ['cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*'] });
    expect(s.version).toBeUndefined();
  });

  it('Exim (Debian exim4 default banner with version and date)', () => {
    expect(banner(25, '220 mail.example.com ESMTP Exim 4.96 Mon, 23 Nov 2026 12:00:00 +0000\r\n')).toMatchObject({
      product: 'exim',
      version: '4.96',
      cpe: ['cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*'],
    });
  });

  it('Sendmail with its Debian configuration version', () => {
    const s = banner(25, '220 mail.example.com ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; Mon, 23 Nov 2026 12:00:00 GMT\r\n');
    expect(s).toMatchObject({ product: 'sendmail', version: '8.17.1.9', distro: 'debian' });
  });

  it('Microsoft ESMTP', () => {
    expect(banner(25, '220 mail.example.com Microsoft ESMTP MAIL Service, Version: 10.0.17763.1697 ready at  Mon, 23 Nov 2026 12:00:00 +0000 \r\n')).toMatchObject({
      product: 'microsoft-esmtp',
      version: '10.0.17763.1697',
      osHint: 'windows',
    });
  });

  it('a generic ESMTP greeting and a TLS-wrapped submission port', () => {
    expect(banner(587, '220 smtp.example.net ESMTP ready\r\n')).toMatchObject({ name: 'smtp', confidence: 7 });
    expect(identifyService({ port: 465, tls: true, banner: latin1('220 mx.example.org ESMTP Exim 4.97 Mon, 23 Nov 2026\r\n') })).toMatchObject({
      name: 'smtps',
      product: 'exim',
    });
  });

  it('Dovecot POP3 and IMAP (Debian builds)', () => {
    expect(banner(110, '+OK Dovecot (Debian) ready.\r\n')).toMatchObject({ name: 'pop3', product: 'dovecot', distro: 'debian' });
    const imap = banner(143, '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot (Debian) ready.\r\n');
    expect(imap).toMatchObject({ name: 'imap', product: 'dovecot', distro: 'debian', cpe: ['cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*'] });
    expect(identifyService({ port: 993, tls: true, banner: latin1('* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n') })).toMatchObject({
      name: 'imaps',
      product: 'dovecot',
    });
  });

  it('Courier IMAP and Cyrus IMAP/POP3', () => {
    expect(
      banner(143, '* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE SORT QUOTA IDLE STARTTLS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.\r\n'),
    ).toMatchObject({ name: 'imap', product: 'courier-imap' });
    expect(banner(143, '* OK mail.example.com Cyrus IMAP v2.4.17-Debian-2.4.17+caldav~beta10-18+deb8u1 server ready\r\n')).toMatchObject({
      product: 'cyrus-imapd',
      version: '2.4.17',
      distro: 'debian',
    });
    expect(banner(143, '* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE] mail.example.com Cyrus IMAP 3.6.1-Debian-3.6.1-4 server ready\r\n')).toMatchObject({
      version: '3.6.1',
      distro: 'debian',
    });
    expect(banner(110, '+OK mail.example.com Cyrus POP3 v2.4.17-Debian-2.4.17-1 server ready <1@mail>\r\n')).toMatchObject({ name: 'pop3', version: '2.4.17' });
  });

  it('generic IMAP and POP3 greetings', () => {
    expect(banner(10143, '* OK IMAP4rev1 server ready\r\n')).toMatchObject({ name: 'imap', confidence: 7 });
    expect(banner(110, '+OK hello\r\n')).toMatchObject({ name: 'pop3', confidence: 5 });
  });
});

describe('identifyService: MySQL / MariaDB handshakes (HandshakeV10 built byte by byte)', () => {
  it('MariaDB 10.11.6 from Debian 12 (5.5.5- replication prefix)', () => {
    const s = identifyService({ port: 3306, banner: mysqlHandshakeV10('5.5.5-10.11.6-MariaDB-0+deb12u1') });
    expect(s).toMatchObject({
      name: 'mysql',
      product: 'mariadb',
      productName: 'MariaDB',
      version: '10.11.6',
      extra: '0+deb12u1',
      distro: 'debian',
      cpe: ['cpe:2.3:a:mariadb:mariadb:10.11.6:*:*:*:*:*:*:*'],
      method: 'banner',
      confidence: 10,
    });
    expect(s.banner).toContain('5.5.5-10.11.6-MariaDB-0+deb12u1\\x00');
  });

  it('MariaDB 11 (docker image, no prefix) and MariaDB repository builds', () => {
    expect(identifyService({ port: 3306, banner: mysqlHandshakeV10('11.4.2-MariaDB-ubu2404') })).toMatchObject({ product: 'mariadb', version: '11.4.2', distro: 'ubuntu' });
    expect(identifyService({ port: 3306, banner: mysqlHandshakeV10('5.5.5-10.11.8-MariaDB-1:10.11.8+maria~ubu2204') })).toMatchObject({
      version: '10.11.8',
      distro: 'ubuntu',
    });
  });

  it('MySQL 8.0 from Ubuntu 22.04 and MySQL 8.4 upstream', () => {
    expect(identifyService({ port: 3306, banner: mysqlHandshakeV10('8.0.39-0ubuntu0.22.04.1') })).toMatchObject({
      product: 'mysql',
      productName: 'MySQL',
      version: '8.0.39',
      distro: 'ubuntu',
      cpe: ['cpe:2.3:a:oracle:mysql:8.0.39:*:*:*:*:*:*:*'],
    });
    const plain = identifyService({ port: 3306, banner: mysqlHandshakeV10('8.4.3') });
    expect([plain.product, plain.version, plain.extra, plain.distro]).toEqual(['mysql', '8.4.3', undefined, undefined]);
  });

  it('ERR packet before the handshake: still mysql (or mariadb), no version', () => {
    const s = identifyService({ port: 3306, banner: mysqlErrPacket(1130, "Host '192.168.1.50' is not allowed to connect to this MySQL server") });
    expect(s).toMatchObject({ name: 'mysql', product: 'mysql', extra: 'host not allowed to connect', confidence: 8 });
    expect(s.version).toBeUndefined();
    expect(
      identifyService({ port: 3306, banner: mysqlErrPacket(1130, "Host '192.168.1.50' is not allowed to connect to this MariaDB server") }),
    ).toMatchObject({ product: 'mariadb' });
    expect(identifyService({ port: 3306, banner: mysqlErrPacket(1040, 'Too many connections') })).toMatchObject({ extra: 'too many connections' });
  });

  it('a handshake cut before the version NUL is not trusted', () => {
    const full = mysqlHandshakeV10('8.0.39');
    const cut = full.subarray(0, 9);
    expect(identifyService({ port: 3306, banner: cut })).toMatchObject({ name: 'mysql', method: 'port', confidence: 3 });
    expect(identifyService({ port: 13306, banner: cut })).toMatchObject({ name: 'unknown', confidence: 0 });
  });

  it('the same handshake on an odd port is still MySQL (it speaks its own framing)', () => {
    expect(identifyService({ port: 13306, banner: mysqlHandshakeV10('8.0.39') })).toMatchObject({ name: 'mysql', version: '8.0.39' });
  });
});

describe('identifyService: key-value stores, brokers, databases', () => {
  it('Redis PING answers (redis.io: PING, NOAUTH and DENIED errors)', () => {
    expect(answer(6379, 'redis-ping', '+PONG\r\n')).toMatchObject({ name: 'redis', product: 'redis', confidence: 7, cpe: ['cpe:2.3:a:redis:redis:*:*:*:*:*:*:*:*'] });
    expect(answer(6379, 'redis-ping', '-NOAUTH Authentication required.\r\n')).toMatchObject({ extra: 'authentication required', confidence: 8 });
    const denied = answer(6379, 'redis-ping', '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.\r\n');
    expect(denied).toMatchObject({ product: 'redis', extra: 'protected mode' });
    expect(denied.version).toBeUndefined();
  });

  it('MQTT CONNACK refusals and MQTT over TLS', () => {
    expect(identifyService({ port: 1883, probe: 'mqtt-connect', response: Uint8Array.from([0x20, 0x02, 0x00, 0x05]) })).toMatchObject({
      name: 'mqtt',
      extra: 'not authorized',
    });
    expect(identifyService({ port: 8883, tls: true, probe: 'mqtt-connect', response: Uint8Array.from([0x20, 0x02, 0x00, 0x00]) })).toMatchObject({
      name: 'secure-mqtt',
    });
    // Four bytes that happen to start with 0x20 are not MQTT unless they answer our CONNECT.
    expect(identifyService({ port: 80, banner: Uint8Array.from([0x20, 0x02, 0x00, 0x00]) })).toMatchObject({ name: 'http', method: 'port' });
  });

  it('PostgreSQL: S (TLS on), ErrorResponse, and a lone N that did not answer SSLRequest', () => {
    expect(identifyService({ port: 5432, probe: 'postgres-sslrequest', response: latin1('S') })).toMatchObject({ extra: 'TLS available' });
    const error = latin1('E\x00\x00\x00\x4bSFATAL\x00VFATAL\x00C08P01\x00Minvalid length of startup packet\x00Fpostmaster.c\x00L2000\x00\x00');
    expect(identifyService({ port: 5432, probe: 'postgres-sslrequest', response: error })).toMatchObject({ product: 'postgresql', confidence: 8 });
    expect(identifyService({ port: 7777, probe: 'generic-lines', response: latin1('N') })).toMatchObject({ name: 'unknown', confidence: 0 });
  });

  it('MongoDB isMaster reply (OP_REPLY) with its wire version, and one answering another request', () => {
    const doc = bson({ ismaster: true, maxBsonObjectSize: 16777216, maxWireVersion: 21, minWireVersion: 0, ok: 1 }, ['ok']);
    expect(identifyService({ port: 27017, probe: 'mongodb-ismaster', response: mongoOpReply(MONGODB_REQUEST_ID, doc) })).toMatchObject({
      name: 'mongodb',
      product: 'mongodb',
      extra: 'wire version 21',
      cpe: ['cpe:2.3:a:mongodb:mongodb:*:*:*:*:*:*:*:*'],
    });
    expect(identifyService({ port: 27017, probe: 'mongodb-ismaster', response: mongoOpReply(99, doc) })).toMatchObject({ name: 'mongod', method: 'port' });
  });
});

describe('identifyService: DNS version.bind (TCP 53)', () => {
  it('BIND 9.18 from Debian 12 (bind9 1:9.18.28-1~deb12u2)', () => {
    expect(identifyService({ port: 53, probe: 'dns-version-bind', response: dnsVersionAnswer(DNS_QUERY_ID, '9.18.28-1~deb12u2-Debian') })).toMatchObject({
      name: 'domain',
      product: 'bind',
      version: '9.18.28',
      distro: 'debian',
      cpe: ['cpe:2.3:a:isc:bind:9.18.28:*:*:*:*:*:*:*'],
    });
  });

  it('a hidden version (REFUSED) is DNS without a product; another id is not our answer', () => {
    const hidden = identifyService({ port: 53, probe: 'dns-version-bind', response: dnsVersionAnswer(DNS_QUERY_ID, undefined, 5) });
    expect(hidden).toMatchObject({ name: 'domain', method: 'probe:dns-version-bind', confidence: 7 });
    expect(hidden.product).toBeUndefined();
    const stranger = identifyService({ port: 53, probe: 'dns-version-bind', response: dnsVersionAnswer(0x1234, 'dnsmasq-2.90') });
    expect(stranger).toMatchObject({ name: 'domain', method: 'port', confidence: 3 });
  });

  it('Unbound and an unrecognised version text', () => {
    expect(identifyService({ port: 53, probe: 'dns-version-bind', response: dnsVersionAnswer(DNS_QUERY_ID, 'unbound 1.17.1') })).toMatchObject({ product: 'unbound', version: '1.17.1' });
    const odd = identifyService({ port: 53, probe: 'dns-version-bind', response: dnsVersionAnswer(DNS_QUERY_ID, 'none of your business') });
    expect([odd.name, odd.product]).toEqual(['domain', undefined]);
  });
});

describe('identifyService: RTSP, HTTP, UPnP, IPP', () => {
  it('LIVE555 RTSP server (Server: LIVE555 Streaming Media v<date>)', () => {
    const s = answer(
      554,
      'rtsp-options',
      'RTSP/1.0 200 OK\r\nCSeq: 1\r\nDate: Tue, Mar 04 2025 08:14:16 GMT\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER\r\nServer: LIVE555 Streaming Media v2023.03.30\r\n\r\n',
    );
    expect(s).toMatchObject({ name: 'rtsp', product: 'live555', version: '2023.03.30', cpe: ['cpe:2.3:a:live555:streaming_media:2023.03.30:*:*:*:*:*:*:*'] });
  });

  it('camera RTSP servers: Dahua (nmap-service-probes), GStreamer, and a Hikvision reply without Server', () => {
    expect(answer(554, 'rtsp-options', 'RTSP/1.0 405 Method Not Allowed\r\nServer: Dahua Rtsp Server\r\nContent-Length: 0\r\nCSeq: 0\r\n\r\n')).toMatchObject({
      name: 'rtsp',
      product: 'dahua-rtsp',
      osHint: 'embedded',
    });
    expect(answer(8554, 'rtsp-options', 'RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\nServer: GStreamer RTSP server\r\n\r\n')).toMatchObject({
      product: 'gstreamer-rtsp-server',
    });
    const hik = answer(554, 'rtsp-options', 'RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n\r\n');
    expect([hik.name, hik.product, hik.confidence]).toEqual(['rtsp', undefined, 7]);
  });

  it('web servers from the HTTP helper Server header', () => {
    const http = (header: string, port = 80): Service => identifyService({ port, httpServerHeader: header });
    expect(http('Apache/2.4.62 (Debian)')).toMatchObject({ name: 'http', product: 'apache', version: '2.4.62', distro: 'debian', method: 'http', cpe: ['cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*'] });
    expect(http('nginx/1.18.0 (Ubuntu)')).toMatchObject({ product: 'nginx', version: '1.18.0', distro: 'ubuntu' });
    expect(http('Microsoft-IIS/10.0')).toMatchObject({ product: 'iis', version: '10.0', osHint: 'windows', cpe: ['cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*'] });
    expect(http('Caddy')).toMatchObject({ product: 'caddy', confidence: 8 });
    expect(http('Jetty(9.4.51.v20230217)')).toMatchObject({ product: 'jetty', version: '9.4.51.v20230217' });
    expect(http('mini_httpd/1.30 26Oct2018')).toMatchObject({ product: 'mini_httpd', version: '1.30' });
    expect(http('Boa/0.94.14rc21')).toMatchObject({ product: 'boa', version: '0.94.14rc21', osHint: 'embedded' });
    expect(http('GoAhead-Webs')).toMatchObject({ product: 'goahead', osHint: 'embedded' });
    expect(http('uhttpd/1.0.0')).toMatchObject({ product: 'uhttpd', distro: 'openwrt' });
    expect(http('Werkzeug/3.0.1 Python/3.11.2', 5000)).toMatchObject({ product: 'werkzeug', version: '3.0.1', extra: 'Python 3.11.2' });
    expect(http('Werkzeug/3.0.1')).not.toHaveProperty('extra');
    expect(http('Apache-Coyote/1.1', 8080)).toMatchObject({ product: 'tomcat', extra: 'Coyote 1.1' });
    expect(http('Hikvision-Webs')).toMatchObject({ product: 'hikvision-webs' });
    expect(http('SomethingElse/1.0')).toMatchObject({ name: 'http', method: 'http', confidence: 7 });
    expect(http('nginx', 443)).toMatchObject({ name: 'http', product: 'nginx' });
    expect(identifyService({ port: 443, tls: true, httpServerHeader: 'nginx' })).toMatchObject({ name: 'https', product: 'nginx' });
  });

  it('MiniUPnPd: service upnp, distro from the OS token', () => {
    const s = answer(5000, 'http-get', 'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: 134\r\nServer: Debian/12 UPnP/1.1 MiniUPnPd/2.3.3\r\n\r\n');
    expect(s).toMatchObject({ name: 'upnp', product: 'miniupnpd', version: '2.3.3', distro: 'debian', cpe: ['cpe:2.3:a:miniupnp_project:miniupnpd:2.3.3:*:*:*:*:*:*:*'] });
    expect(identifyService({ port: 49152, httpServerHeader: 'OpenWRT/OpenWrt UPnP/1.1 MiniUPnPd/2.1' })).toMatchObject({ name: 'upnp', distro: 'openwrt' });
  });

  it('IPP on 631: CUPS Server header', () => {
    const s = answer(631, 'http-get', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Language: en_US\r\nContent-Type: text/html; charset=utf-8\r\nServer: CUPS/2.4 IPP/2.1\r\n\r\n<!DOCTYPE HTML>');
    expect(s).toMatchObject({ name: 'ipp', product: 'cups', version: '2.4', cpe: ['cpe:2.3:a:openprinting:cups:2.4:*:*:*:*:*:*:*', 'cpe:2.3:a:apple:cups:2.4:*:*:*:*:*:*:*'] });
    expect(identifyService({ port: 631, probe: 'http-get', response: latin1('HTTP/1.1 426 Upgrade Required\r\n\r\n'), httpServerHeader: 'CUPS/2.4 IPP/2.1' })).toMatchObject({
      name: 'ipp',
      product: 'cups',
      method: 'http',
    });
  });

  it('an HTTP answer without Server header is http with confidence 7; the helper header refines it', () => {
    const bare = answer(8080, 'http-get', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect([bare.name, bare.product, bare.confidence, bare.method]).toEqual(['http', undefined, 7, 'probe:http-get']);
    const refined = identifyService({ port: 8080, probe: 'http-get', response: latin1('HTTP/1.1 200 OK\r\n\r\n'), httpServerHeader: 'nginx/1.22.1' });
    expect(refined).toMatchObject({ product: 'nginx', method: 'http' });
  });

  it('SIP OPTIONS answer with an Asterisk User-Agent', () => {
    expect(answer(5060, 'sip-options', 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP homesec.invalid\r\nCSeq: 1 OPTIONS\r\nUser-Agent: Asterisk PBX 20.5.0\r\n\r\n')).toMatchObject({
      name: 'sip',
      product: 'asterisk',
      version: '20.5.0',
      cpe: ['cpe:2.3:a:sangoma:asterisk:20.5.0:*:*:*:*:*:*:*', 'cpe:2.3:a:digium:asterisk:20.5.0:*:*:*:*:*:*:*'],
    });
  });
});

describe('identifyService: VNC, telnet, silent and TLS-only ports', () => {
  it('VNC protocol versions (RFC 6143 §7.1.1) and Apple Remote Desktop', () => {
    expect(banner(5900, 'RFB 003.008\n')).toMatchObject({ name: 'vnc', extra: 'protocol 3.8', confidence: 7 });
    expect(banner(5900, 'RFB 003.889\n')).toMatchObject({ name: 'vnc', product: 'apple-remote-desktop', osHint: 'macos' });
    expect(banner(5901, 'RFB 004.001\n')).toMatchObject({ name: 'vnc', extra: 'protocol 004.001' });
  });

  it('telnet option negotiation (BusyBox telnetd: IAC DO ECHO, DO NAWS, WILL ECHO, WILL SGA)', () => {
    const iacs = Uint8Array.from([0xff, 0xfd, 0x01, 0xff, 0xfd, 0x1f, 0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03]);
    const s = identifyService({ port: 2323, banner: iacs });
    expect(s).toMatchObject({ name: 'telnet', method: 'banner', confidence: 7, banner: '\\xff\\xfd\\x01\\xff\\xfd\\x1f\\xff\\xfb\\x01\\xff\\xfb\\x03' });
    expect(banner(23, '\r\nlogin: ')).toMatchObject({ name: 'telnet', confidence: 5 });
  });

  it('ports that only give their number: SMB, RDP, ADB, JetDirect', () => {
    expect(identifyService({ port: 445 })).toEqual({ port: 445, protocol: 'tcp', name: 'microsoft-ds', method: 'port', confidence: 3 });
    expect(identifyService({ port: 3389 })).toMatchObject({ name: 'ms-wbt-server', confidence: 3 });
    expect(identifyService({ port: 5555 })).toMatchObject({ name: 'adb', confidence: 3 });
    expect(identifyService({ port: 9100 })).toMatchObject({ name: 'jetdirect', confidence: 3 });
  });

  it('TLS without any answer: the TLS form of the port name, or ssl', () => {
    expect(identifyService({ port: 8443, tls: true })).toMatchObject({ name: 'https-alt', method: 'tls', confidence: 4 });
    expect(identifyService({ port: 993, tls: true })).toMatchObject({ name: 'imaps', method: 'tls' });
    expect(identifyService({ port: 40000, tls: true })).toMatchObject({ name: 'ssl', method: 'tls', confidence: 4 });
  });

  it('the reference default ports all have a name', () => {
    const defaults = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 465, 515, 554, 587, 631, 993, 995, 1080, 1433, 1521, 1723, 1883, 2049, 2323, 3306, 3389, 4443, 5000, 5060, 5432, 5555, 5900, 6379, 6667, 8000, 8008, 8080, 8443, 8883, 8888, 9090, 9100, 9200, 27017, 49152];
    expect(defaults).toHaveLength(48);
    for (const port of defaults) {
      const s = identifyService({ port });
      expect(s.name, `port ${port}`).not.toBe('unknown');
      expect(s.confidence).toBe(3);
    }
  });
});
