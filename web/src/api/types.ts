/**
 * The API's response types, re-exported from the server's contract (type-only: nothing of
 * src/ is bundled). Rule: the dashboard never declares its own copy of an API shape.
 */
export type * from '../../../src/api/contract';
