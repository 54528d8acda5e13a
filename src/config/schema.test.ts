import { describe, expect, it } from 'vitest';
import { parseCidr, parsePortSpec, formatPortSpec, parseSize } from './fields.js';
import { CONFIG_KEYS, DEFAULT_SCAN_PORTS, SECRET_KEYS, configSchema } from './schema.js';
import { configJsonSchema } from './json-schema.js';

describe('config schema defaults', () => {
  const d = configSchema.parse({});
  it('match the reference option table', () => {
    expect(d.bind_host).toBe('0.0.0.0');
    expect(d.bind_port).toBe(2055);
    expect(d.internal_networks).toEqual(['192.168.0.0/16', '10.0.0.0/8', '172.16.0.0/12']);
    expect(d.scan_window_seconds).toBe(300);
    expect(d.scan_port_threshold).toBe(20);
    expect(d.high_egress_threshold).toBe(50_000_000);
    expect(d.enable_webui).toBe(true);
    expect(d.enable_scanner).toBe(true);
    expect(d.scan_interval).toBe(300);
    expect(d.scan_exceptions).toEqual([]);
    expect(d.external_ip_retention_hours).toBe(24);
    expect(d.enable_dns_resolution).toBe(true);
    expect(d.enrichment_ttl_minutes).toBe(300);
    expect([d.ipinfo_daily_budget, d.virustotal_daily_budget, d.shodan_daily_budget, d.abuseipdb_daily_budget]).toEqual([1500, 500, 1000, 1000]);
    expect(d.nvd_api_url).toBe('https://services.nvd.nist.gov/rest/json/cves/2.0');
    expect(d.nvd_ttl_hours).toBe(12);
    expect(d.nvd_min_year).toBe(2020);
    expect(d.nvd_keywords).toHaveLength(16);
  });
  it('scan ports are exactly the list the reference README prints', () => {
    expect(d.scan_ports).toEqual([
      21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 465, 515, 554, 587, 631, 993, 995, 1080, 1433, 1521, 1723, 1883, 2049,
      2323, 3306, 3389, 4443, 5000, 5060, 5432, 5555, 5900, 6379, 6667, 8000, 8008, 8080, 8443, 8883, 8888, 9090, 9100, 9200, 27017, 49152,
    ]);
    expect(parsePortSpec(formatPortSpec(d.scan_ports))).toEqual(parsePortSpec(DEFAULT_SCAN_PORTS));
    expect(formatPortSpec([21, 22, 23, 25, 110, 111])).toBe("21-23,25,110-111");
  });
  it('default blacklists do not include the dead SSLBL feed', () => {
    expect(d.blacklist_urls.length).toBeGreaterThan(0);
    expect(d.blacklist_urls.join(',')).not.toMatch(/sslbl/i);
  });
  it('every key has a description and secrets are the API credentials', () => {
    const js = configJsonSchema() as { properties: Record<string, { description?: string; writeOnly?: boolean }> };
    for (const k of CONFIG_KEYS) expect(js.properties[k]?.description, k).toBeTruthy();
    expect([...SECRET_KEYS].sort()).toEqual([
      'abuseipdb_api_key',
      'block_list_token',
      'block_mikrotik_password',
      'block_opnsense_key',
      'block_opnsense_secret',
      'block_pihole_password',
      'dns_password',
      'ha_token',
      'ipinfo_token',
      'mqtt_password',
      'nvd_api_key',
      'shodan_api_key',
      'virustotal_api_key',
    ]);
    expect(js.properties.nvd_api_key?.writeOnly).toBe(true);
  });
});

describe('every reference option parses from the reference homesec.yaml form', () => {
  // The reference writes flat keys with comma-separated strings (its homesec.yaml mirror).
  const referenceFile = {
    bind_host: '0.0.0.0',
    bind_port: 2056,
    internal_networks: '192.168.1.0/24, 10.10.0.0/16',
    scan_window_seconds: 120,
    scan_port_threshold: 15,
    high_egress_threshold: 104857600,
    enable_webui: false,
    enable_scanner: 'false',
    scan_interval: '600',
    scan_exceptions: '192.168.1.1,192.168.1.2',
    scan_ports: '22,80,443,8000-8002',
    external_ip_retention_hours: 0,
    enable_dns_resolution: 'off',
    blacklist_urls: 'https://feodotracker.abuse.ch/downloads/ipblocklist.txt',
    ipinfo_token: 'tok',
    virustotal_api_key: 'vt',
    shodan_api_key: 'sh',
    abuseipdb_api_key: 'ab',
    enrichment_ttl_minutes: 60,
    ipinfo_daily_budget: 10,
    virustotal_daily_budget: 20,
    shodan_daily_budget: 30,
    abuseipdb_daily_budget: 40,
    nvd_api_key: 'nvd',
    nvd_api_url: 'http://127.0.0.1:9999/rest/json/cves/2.0',
    nvd_ttl_hours: 6,
    nvd_min_year: 0,
    nvd_keywords: 'OpenSSH, nginx ,WordPress',
  };
  it('parses with the meaning of the reference', () => {
    const c = configSchema.parse(referenceFile);
    expect(c.bind_port).toBe(2056);
    expect(c.internal_networks).toEqual(['192.168.1.0/24', '10.10.0.0/16']);
    expect(c.enable_webui).toBe(false);
    expect(c.enable_scanner).toBe(false);
    expect(c.scan_interval).toBe(600);
    expect(c.scan_exceptions).toEqual(['192.168.1.1', '192.168.1.2']);
    expect(c.scan_ports).toEqual([22, 80, 443, 8000, 8001, 8002]);
    expect(c.external_ip_retention_hours).toBe(0);
    expect(c.enable_dns_resolution).toBe(false);
    expect(c.nvd_min_year).toBe(0);
    expect(c.nvd_keywords).toEqual(['OpenSSH', 'nginx', 'WordPress']);
    expect(c.high_egress_threshold).toBe(104857600);
  });
  it('lists are also accepted as YAML lists', () => {
    const c = configSchema.parse({ internal_networks: ['10.0.0.0/8'], scan_ports: [22, '80-81'], nvd_keywords: ['a'] });
    expect(c.scan_ports).toEqual([22, 80, 81]);
  });
});

describe('field parsers', () => {
  it('port specs', () => {
    expect(parsePortSpec('22,80,443,8000-8003')).toEqual([22, 80, 443, 8000, 8001, 8002, 8003]);
    expect(parsePortSpec(' 443 , 22,22')).toEqual([22, 443]);
    for (const bad of ['80;id', '--script=x', '0', '65536', '90-80', 'http', '1-2-3', '80 81']) {
      expect(() => parsePortSpec(bad), bad).toThrow();
    }
  });
  it('CIDRs are validated and canonicalised', () => {
    expect(parseCidr('192.168.1.77/24')).toBe('192.168.1.0/24');
    expect(parseCidr('fd00::1/64')).toBe('fd00::/64');
    for (const bad of ['10.0.0.0/33', '10.0.0.0', '300.1.1.1/8', 'fd00::/129', '10.0.0.0/8; rm -rf /']) {
      expect(() => parseCidr(bad), bad).toThrow();
    }
  });
  it('sizes', () => {
    expect(parseSize('50MB')).toBe(50_000_000);
    expect(parseSize('50 MiB')).toBe(52_428_800);
    expect(parseSize(1234)).toBe(1234);
    expect(() => parseSize('lots')).toThrow();
  });
  it('unknown keys are rejected by the strict schema (the loader turns them into warnings)', () => {
    expect(configSchema.safeParse({ bind_prot: 1 }).success).toBe(false);
  });
});
