import { describe, expect, it } from 'vitest';
import { backportHint, candidatesFor, hostContexts, MIN_TECH_CONFIDENCE, platformFacts } from './candidates.js';
import { host, svc } from './test-kit.js';

describe('candidates', () => {
  it('OpenSSH from the scanner: NVD name, version split into version and update', () => {
    const [c, ...rest] = candidatesFor(
      svc(22, {
        name: 'ssh',
        product: 'openssh',
        productName: 'OpenSSH',
        version: '9.2p1',
        cpe: ['cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*'],
        banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
        distro: 'debian',
      }),
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ id: 'openssh', keys: ['openbsd:openssh'], label: 'OpenSSH 9.2p1', source: 'product_map', webApp: false });
    expect(c?.version).toMatchObject({ version: '9.2', update: 'p1', full: '9.2p1', updateKind: 'post' });
  });

  it("nmap's old vendor names map to the product; OS CPEs are not the service", () => {
    const cs = candidatesFor(svc(80, { method: 'nmap', product: 'nginx', version: '1.22.1', cpe: ['cpe:/a:igor_sysoev:nginx:1.22.1', 'cpe:/o:linux:linux_kernel'] }));
    expect(cs.map((c) => c.id)).toEqual(['nginx']);
    expect(cs[0]?.keys).toEqual(['f5:nginx', 'nginx:nginx']);
    const only = candidatesFor(svc(22, { method: 'nmap', cpe: ['cpe:/a:matt_johnston:dropbear_ssh_server:2020.81'] }));
    expect(only).toHaveLength(1);
    expect(only[0]).toMatchObject({ id: 'dropbear', source: 'product_map' });
    expect(only[0]?.version?.full).toBe('2020.81');
  });

  it("an unmapped CPE from the scanner's rules is matched by its own name, with its own version", () => {
    const cs = candidatesFor(svc(80, { product: 'goahead', productName: 'GoAhead WebServer', cpe: ['cpe:2.3:a:embedthis:goahead:2.5.0:*:*:*:*:*:*:*'] }));
    expect(cs).toHaveLength(1);
    expect(cs[0]).toMatchObject({ keys: ['embedthis:goahead'], source: 'banner', label: 'GoAhead WebServer 2.5.0' });
  });

  it('HTTP technologies: fingerprinted ones become candidates, merged with the banner product', () => {
    const cs = candidatesFor(
      svc(80, {
        name: 'http',
        product: 'nginx',
        http: {
          status: 200,
          technologies: [
            { name: 'Nginx', version: '1.22.1', confidence: 100, categories: ['Web servers'], cpe: 'cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*' },
            { name: 'WordPress', version: '5.8.2', confidence: 100, categories: ['CMS', 'Blogs'], cpe: 'cpe:2.3:a:wordpress:wordpress:*:*:*:*:*:*:*:*' },
            { name: 'WooCommerce', confidence: 100, categories: ['Ecommerce', 'WordPress plugins'], cpe: 'cpe:2.3:a:woocommerce:woocommerce:*:*:*:*:*:wordpress:*:*' },
            { name: 'Weak Guess', version: '1.0', confidence: MIN_TECH_CONFIDENCE - 1, categories: ['CMS'], cpe: 'cpe:2.3:a:weak:guess:*:*:*:*:*:*:*:*' },
            { name: 'Unmapped Shop', version: '3.1', confidence: 100, categories: ['Ecommerce'], cpe: 'cpe:2.3:a:shopco:unmapped_shop:*:*:*:*:*:*:*:*' },
            { name: 'No CPE', version: '1.0', confidence: 100, categories: ['Miscellaneous'] },
          ],
        },
      }),
    );
    expect(cs.map((c) => [c.id, c.source, c.webApp, c.version?.full])).toEqual([
      ['nginx', 'product_map', false, '1.22.1'],
      ['wordpress', 'fingerprint', true, '5.8.2'],
      ['woocommerce', 'fingerprint', true, undefined],
      ['shopco:unmapped_shop', 'fingerprint', true, '3.1'],
    ]);
    expect(cs[2]?.fields).toEqual({ targetSw: 'wordpress' });
  });

  it('web applications never come from a banner, a product key or a CPE', () => {
    expect(candidatesFor(svc(80, { product: 'wordpress', version: '5.8.2' }))).toEqual([]);
    expect(candidatesFor(svc(80, { cpe: ['cpe:/a:wordpress:wordpress:5.8.2'] }))).toEqual([]);
  });

  it('generic banner matching: product name and version from what the service said, vendor unknown', () => {
    const [c] = candidatesFor(svc(8000, { banner: 'HTTP/1.0 200 OK\\r\\nServer: MiniServ/1.890\\r\\n' }));
    expect(c).toMatchObject({ productOnly: 'miniserv', keys: [], source: 'banner', name: 'MiniServ' });
    expect(c?.version?.full).toBe('1.890');
    const [d] = candidatesFor(svc(554, { product: 'dahua-rtsp', productName: 'Dahua IP camera rtspd', version: '2.1' }));
    expect(d?.productOnly).toBe('dahua_ip_camera_rtspd');
    expect(candidatesFor(svc(9, { banner: 'hello' }))).toEqual([]);
    expect(candidatesFor(svc(9, { product: 'thing' }))).toEqual([]);
  });

  it('a version that is not one is dropped, not guessed', () => {
    const [c] = candidatesFor(svc(21, { product: 'vsftpd', version: '(none)' }));
    expect(c?.version).toBeUndefined();
    expect(c?.label).toBe('vsftpd');
  });
});

describe('platform facts and back-port hints', () => {
  it('reads family, distribution and release from the service, then the host', () => {
    const ssh = svc(22, { distro: 'debian', osHint: 'linux', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3' });
    const web = svc(80, { product: 'nginx' });
    const facts = platformFacts({ services: [ssh, web] }, web);
    expect(facts.family).toBe('linux');
    expect(facts.distro).toBe('debian');
    expect(facts.release?.text).toBe('12');
    expect(platformFacts({ services: [svc(22, { distro: 'raspbian' })] }).distro).toBe('debian');
    expect(platformFacts({ os: { family: 'Windows', confidence: 90, reasons: [] }, services: [] }).family).toBe('windows');
    expect(platformFacts({ services: [] })).toEqual({});
  });

  it.each([
    [{ banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', distro: 'debian' }, 'debian package Debian-2+deb12u3'],
    [{ version: '10.11.6-MariaDB-0+deb12u1' }, 'distribution package 10.11.6-MariaDB-0+deb12u1'],
    [{ banner: 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6', distro: 'ubuntu' }, 'ubuntu package Ubuntu-3ubuntu0.6'],
    [{ extra: 'Apache/2.4.57 (Debian)', distro: 'debian' }, 'debian package'],
    [{ banner: 'SSH-2.0-OpenSSH_9.8' }, undefined],
    [{ banner: 'SSH-2.0-dropbear_2022.83', distro: 'openwrt' }, undefined],
  ])('%j → %s', (fields, want) => {
    expect(backportHint(svc(22, fields))).toBe(want);
  });

  it('hostContexts leaves out services without a candidate', () => {
    const h = host('192.168.1.5', [svc(22, { product: 'openssh', version: '9.6p1' }), svc(9, { name: 'discard' })]);
    expect(hostContexts(h).map((c) => c.service.port)).toEqual([22]);
  });
});
