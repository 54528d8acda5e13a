/**
 * Coded errors. Rules: every error homesec raises on purpose is a HomesecError with a
 * stable `code` (for logs, metrics and tests) and a message a person can act on; the CLI
 * maps codes to exit codes. Never put secrets in a message.
 */

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'STORE_OPEN_FAILED'
  | 'STATE_FILE_INVALID'
  | 'LISTEN_FAILED'
  | 'START_FAILED'
  | 'STOP_TIMEOUT'
  | 'INVALID_ARGUMENT';

/** An expected failure with a stable code; `details` is safe to log (no secrets). */
export class HomesecError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HomesecError';
    this.code = code;
    this.details = details;
  }
}

/** Process exit codes of the CLI (sysexits-style where one fits). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 78, // EX_CONFIG
  unavailable: 69, // EX_UNAVAILABLE (e.g. port in use)
} as const;

/** Exit code for an error thrown out of a CLI command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof HomesecError) {
    if (err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_UNREADABLE') return EXIT.config;
    if (err.code === 'LISTEN_FAILED') return EXIT.unavailable;
    if (err.code === 'INVALID_ARGUMENT') return EXIT.usage;
  }
  return EXIT.failure;
}

/** Best-effort text of an unknown thrown value, bounded in length. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
