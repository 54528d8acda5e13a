import { describe, expect, it } from 'vitest';
import { BANNER_RULES, DNS_VERSION_RULES, SERVER_HEADER_RULES } from './banner-rules.js';
import { cpe23 } from './cpe.js';
import { PORT_NAMES } from './port-names.js';
import type { ServiceRule } from './rule.js';

const TABLES: ReadonlyArray<[string, readonly ServiceRule[]]> = [
  ['BANNER_RULES', BANNER_RULES],
  ['SERVER_HEADER_RULES', SERVER_HEADER_RULES],
  ['DNS_VERSION_RULES', DNS_VERSION_RULES],
];

describe('rule tables', () => {
  it('have unique ids across all tables', () => {
    const ids = TABLES.flatMap(([, rules]) => rules.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('use stateless patterns (no g or y flag: exec must not depend on lastIndex)', () => {
    for (const [table, rules] of TABLES) {
      for (const r of rules) expect(r.pattern.global || r.pattern.sticky, `${table} ${r.id}`).toBe(false);
    }
  });

  it('give every banner rule a service name and only reference capture groups that exist', () => {
    for (const r of BANNER_RULES) expect(r.service, r.id).toBeTruthy();
    for (const [, rules] of TABLES) {
      for (const r of rules) {
        const groups = new RegExp(`${r.pattern.source}|`).exec('')?.length ?? 1;
        for (const template of [r.version, r.extra, r.distroFrom]) {
          for (const [, d] of (template ?? '').matchAll(/\$(\d)/g)) expect(Number(d), `${r.id} ${template}`).toBeLessThan(groups);
        }
      }
    }
  });

  it('name valid CPE vendor:product pairs', () => {
    for (const [, rules] of TABLES) for (const r of rules) for (const vp of r.cpe ?? []) expect(cpe23(vp), `${r.id} ${vp}`).toBeDefined();
  });

  it('restrict port-only rules to ports whose name matches the rule', () => {
    for (const r of BANNER_RULES.filter((x) => x.ports)) {
      expect(r.confidence, r.id).toBeLessThanOrEqual(5);
      for (const p of r.ports ?? []) {
        const name = PORT_NAMES.get(p);
        if (name) expect([r.service, `${r.service}s`, 'submission'], `${r.id} ${p}`).toContain(name);
      }
    }
  });
});
