/**
 * Fuzzing the nmap XML parser: the lab's real `nmap -oX` output mutated (hostile attribute
 * values, cut and repeated elements, broken markup), entity bombs and random text. nmap echoes
 * what services said, so every value is hostile. Rules: nothing throws; hosts and ports within
 * the caps; every string at most 300 characters of plain text (no raw control characters);
 * ports are valid TCP port numbers.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectBoundedText, fuzz, hostileString, mutatedText } from '../../test/support/fuzz.js';
import { parseNmapXml } from './nmap-xml.js';

const LAB = fs.readFileSync(new URL('./testdata/nmap-lab.xml', import.meta.url), 'utf8');

/** Nested entities ("billion laughs"), ten times ten times … */
function entityBomb(levels: number): string {
  const defs = ['<!ENTITY e0 "lol">'];
  for (let i = 1; i <= levels; i++) defs.push(`<!ENTITY e${i} "${`&e${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE nmaprun [${defs.join('')}]><nmaprun><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="&e${levels};"/></port></ports></host></nmaprun>`;
}

/** A host whose service attributes carry `value` (escaped as nmap would, or not). */
function hostileHost(value: string, escape: boolean): string {
  const v = escape ? value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;') : value;
  return `<nmaprun><host><status state="up"/><address addr="10.0.0.2" addrtype="ipv4"/><address addr="${v}" addrtype="mac"/><ports><port protocol="tcp" portid="80"><state state="open"/><service name="http" product="${v}" version="${v}" extrainfo="${v}" ostype="${v}"><cpe>${v}</cpe></service></port></ports><os><osmatch name="${v}" accuracy="${v}"><osclass osfamily="${v}"/></osmatch></os><distance value="${v}"/></host></nmaprun>`;
}

describe('parseNmapXml fuzz', () => {
  it('fuzz: mutated real nmap output, hostile values, entity bombs', async ({ task }) => {
    const input = fc.oneof(
      { weight: 4, arbitrary: mutatedText([LAB]) },
      { weight: 2, arbitrary: fc.tuple(hostileString, fc.boolean()).map(([v, esc]) => hostileHost(v, esc)) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map(entityBomb) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 500 }) },
    );
    await fuzz(task, 'scan/nmap-xml', input, (xml) => {
      const hosts = parseNmapXml(xml);
      expect(hosts.length).toBeLessThanOrEqual(65_536);
      for (const h of hosts) {
        for (const p of h.ports) {
          expect(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535).toBe(true);
          expect((p.service?.cpe ?? []).length).toBeLessThanOrEqual(10);
        }
        expect(h.os === undefined || (h.os.confidence >= 0 && h.os.confidence <= 100)).toBe(true);
        expect(h.distance === undefined || (h.distance >= 0 && h.distance <= 255)).toBe(true);
        for (const p of h.ports) expect(p.service === undefined || (p.service.confidence >= 0 && p.service.confidence <= 10)).toBe(true);
      }
      expectBoundedText(hosts, 300);
    }, 800);
  });
});
