import { describe, expect, it } from 'vitest';
import { cpeMatchString } from './nvd-client.js';
import { PRODUCTS, productByCpe, productByKey, productByName, productByTech } from './product-map.js';

describe('product map', () => {
  // The reference's service mappings (README: NVD enrichment), by the scanner's product keys.
  it.each([
    ['openssh', 'openbsd:openssh'],
    ['dropbear', 'dropbear_ssh_project:dropbear_ssh'],
    ['apache', 'apache:http_server'],
    ['nginx', 'f5:nginx'],
    ['lighttpd', 'lighttpd:lighttpd'],
    ['mysql', 'oracle:mysql'],
    ['mariadb', 'mariadb:mariadb'],
    ['vsftpd', 'beasts:vsftpd'],
    ['proftpd', 'proftpd:proftpd'],
    ['postfix', 'postfix:postfix'],
    ['exim', 'exim:exim'],
    ['sendmail', 'sendmail:sendmail'],
    ['redis', 'redis:redis'],
    ['mongodb', 'mongodb:mongodb'],
    ['postgresql', 'postgresql:postgresql'],
    ['samba', 'samba:samba'],
    ['dovecot', 'dovecot:dovecot'],
    ['mosquitto', 'eclipse:mosquitto'],
    ['bind', 'isc:bind'],
    ['dnsmasq', 'thekelleys:dnsmasq'],
    ['ntpd', 'ntp:ntp'],
    ['chrony', 'tuxfamily:chrony'],
    ['live555', 'live555:streaming_media'],
    ['gstreamer-rtsp-server', 'gstreamer_project:gstreamer'],
    ['miniupnpd', 'miniupnp_project:miniupnpd'],
  ])('%s → %s', (key, cpe) => {
    expect(productByKey(key)?.cpes[0]).toBe(cpe);
  });

  it('ADB is searched by keyword only (NVD names no product for it)', () => {
    expect(productByKey('adb')?.cpes).toEqual([]);
    expect(productByName('Android Debug Bridge')?.id).toBe('adb');
  });

  it('keeps the legacy NVD names that real records use, and maps nmap vendors', () => {
    expect(productByKey('nginx')?.cpes).toContain('nginx:nginx');
    expect(productByKey('vsftpd')?.cpes).toContain('vsftpd_project:vsftpd');
    expect(productByKey('live555')?.cpes).toContain('live555:live555');
    expect(productByKey('miniupnpd')?.cpes).toContain('miniupnp.free:miniupnpd');
    expect(productByCpe('igor_sysoev:nginx')?.id).toBe('nginx');
    expect(productByCpe('matt_johnston:dropbear_ssh_server')?.id).toBe('dropbear');
    expect(productByCpe('mysql:mysql')?.id).toBe('mysql');
    expect(productByKey('nginx')?.cpes).not.toContain('igor_sysoev:nginx');
  });

  it('resolves the default nvd_keywords and technology names', () => {
    for (const kw of 'OpenSSH,nginx,Apache HTTP Server,lighttpd,Dropbear,dnsmasq,Samba,MySQL,MariaDB,PostgreSQL,Redis,Mosquitto,vsftpd,ProFTPD,MiniUPnP,BusyBox'.split(',')) {
      expect(productByName(kw), kw).toBeDefined();
    }
    expect(productByName('  apache   http server ')?.id).toBe('apache-httpd');
    expect(productByTech('Nginx')?.id).toBe('nginx');
    expect(productByTech('WordPress')?.webApp).toBe(true);
    expect(productByName('Some Unknown Thing')).toBeUndefined();
  });

  it('every NVD name is a vendor:product pair a CPE match string can carry', () => {
    for (const e of PRODUCTS) {
      for (const c of e.cpes) {
        expect(c).toMatch(/^[a-z0-9._-]+:[a-z0-9._!+-]+$/);
      }
    }
    expect(cpeMatchString('joomla:joomla!')).toBe('cpe:2.3:a:joomla:joomla\\!');
    expect(cpeMatchString('miniupnp.free:miniupnpd')).toBe('cpe:2.3:a:miniupnp.free:miniupnpd');
    expect(new Set(PRODUCTS.map((e) => e.id)).size).toBe(PRODUCTS.length);
  });
});
