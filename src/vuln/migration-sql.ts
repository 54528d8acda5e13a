/**
 * The vulnerability migration (version 6 in src/store/migrations.ts), looked up for tests.
 */
import { MIGRATIONS, type Migration } from '../store/migrations.js';

export const VULN_MIGRATION: Migration = MIGRATIONS.find((m) => m.version === 6)!;
