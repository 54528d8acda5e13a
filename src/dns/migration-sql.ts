/**
 * The DNS monitoring migration (version 7 in src/store/migrations.ts), looked up for tests
 * that open a database without it (the monitor must run from memory then).
 */
import { MIGRATIONS, type Migration } from '../store/migrations.js';

export const DNS_MIGRATION: Migration = MIGRATIONS.find((m) => m.version === 7)!;
