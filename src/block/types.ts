/**
 * Blocking's data shapes: what the engine keeps and what its API routes answer. Rules: they
 * are defined once, in src/api/contract.ts (the dashboard's contract for /api/block*, which
 * has no imports so web/ can type-check against it); this module re-exports them for the
 * engine. Times are Unix ms; every string that came from a finding or a target is plain
 * text, to be rendered as text.
 */
export type {
  AuditAction,
  AuditEntryView,
  BlockKindView,
  BlockResultView,
  BlockStatusView,
  BlockView,
  ReleaseAllResultView,
  TargetHealthView,
  UnblockResultView,
} from '../api/contract.js';
