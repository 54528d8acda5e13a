/**
 * The block targets, in one explicit list. Rules: a target is on when its config says so
 * (block_nftables, a non-empty URL, a non-empty block_list_token); create() does no I/O;
 * every HTTP target gets the same deadline and the engine's abort signal. A new target is
 * one file implementing BlockTarget (target.ts) plus one line here.
 */
import type { Clock } from '../core/clock.js';
import type { BlockOptions } from './block-config.js';
import { createBlocklistTarget } from './blocklist-url.js';
import type { BlockTarget } from './target.js';
import { createMikrotikTarget } from './targets/mikrotik.js';
import { createNftablesTarget } from './targets/nftables.js';
import { createOpnsenseTarget } from './targets/opnsense.js';
import { createPiholeTarget } from './targets/pihole.js';

export interface TargetDeps {
  clock: Clock;
  /** Aborted when the engine stops. */
  signal?: AbortSignal;
}

export interface TargetSpec {
  name: string;
  enabled(c: BlockOptions): boolean;
  create(c: BlockOptions, deps: TargetDeps): BlockTarget;
}

const http = (c: BlockOptions, deps: TargetDeps) => ({ timeoutMs: c.block_target_timeout_seconds * 1000, clock: deps.clock, ...(deps.signal ? { signal: deps.signal } : {}) });

export const BLOCK_TARGETS: readonly TargetSpec[] = [
  {
    name: 'nftables',
    enabled: (c) => c.block_nftables,
    create: (c, deps) => createNftablesTarget({ argv: [c.block_nft_path], ...http(c, deps) }),
  },
  {
    name: 'opnsense',
    enabled: (c) => c.block_opnsense_url !== '',
    create: (c, deps) => createOpnsenseTarget({ url: c.block_opnsense_url, key: c.block_opnsense_key, secret: c.block_opnsense_secret, alias: c.block_opnsense_alias }, http(c, deps)),
  },
  {
    name: 'mikrotik',
    enabled: (c) => c.block_mikrotik_url !== '',
    create: (c, deps) =>
      createMikrotikTarget({ url: c.block_mikrotik_url, user: c.block_mikrotik_user, password: c.block_mikrotik_password, list: c.block_mikrotik_list }, http(c, deps)),
  },
  {
    name: 'pihole',
    enabled: (c) => c.block_pihole_url !== '',
    create: (c, deps) => createPiholeTarget({ url: c.block_pihole_url, password: c.block_pihole_password }, http(c, deps)),
  },
  {
    name: 'blocklist_url',
    enabled: (c) => c.block_list_token !== '',
    create: (c, deps) => createBlocklistTarget(c, deps),
  },
];

/** The targets the config turns on, in registry order. */
export function buildTargets(c: BlockOptions, deps: TargetDeps): BlockTarget[] {
  return BLOCK_TARGETS.filter((s) => s.enabled(c)).map((s) => s.create(c, deps));
}
