/**
 * The admin credential. Rules: only a salted scrypt hash is stored (kv `auth.credential`,
 * N=2^15, r=8, p=1, 32-byte key); verification is constant-time; a first start with no
 * credential creates a random password (24 bytes, base64url) that the caller shows once and
 * never stores in clear. Pure except for crypto randomness and the kv row.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { kvGet, kvSet } from '../../store/kv.js';
import type { Db } from '../../store/database.js';

const KEY = 'auth.credential';
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export interface Credential {
  scheme: 'scrypt';
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
  createdMs: number;
}

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Hashes a password into a storable credential. */
export async function hashPassword(password: string, nowMs: number): Promise<Credential> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, PARAMS);
  return { scheme: 'scrypt', salt: salt.toString('base64'), hash: key.toString('base64'), N: PARAMS.N, r: PARAMS.r, p: PARAMS.p, createdMs: nowMs };
}

/** True when `password` matches `cred` (constant-time on the derived keys). */
export async function verifyPassword(password: string, cred: Credential): Promise<boolean> {
  if (typeof password !== 'string' || password.length === 0 || password.length > 1024) return false;
  const expected = Buffer.from(cred.hash, 'base64');
  const key = await scrypt(password, Buffer.from(cred.salt, 'base64'), { N: cred.N, r: cred.r, p: cred.p, maxmem: PARAMS.maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The stored credential, or undefined before the first start. */
export function loadCredential(db: Db): Credential | undefined {
  const c = kvGet<Credential>(db, KEY);
  return c && c.scheme === 'scrypt' && typeof c.hash === 'string' && typeof c.salt === 'string' ? c : undefined;
}

/** Stores a new password (replacing any earlier one). */
export async function setPassword(db: Db, password: string, nowMs: number): Promise<Credential> {
  if (password.length < 12) throw new Error('the password must have at least 12 characters');
  const cred = await hashPassword(password, nowMs);
  kvSet(db, KEY, cred, nowMs);
  return cred;
}

/** Creates the first-run password when none is stored; returns it (to show once) or undefined. */
export async function ensureCredential(db: Db, nowMs: number): Promise<string | undefined> {
  if (loadCredential(db)) return undefined;
  const password = randomBytes(24).toString('base64url');
  await setPassword(db, password, nowMs);
  return password;
}
