/**
 * Who is calling. A user is the `sub` of a verified token; the service token (API_TOKEN) is a
 * trusted credential acting as whichever user_id a request names; the admin token only opens
 * /api/v1/admin.
 */
export type Caller =
  | { kind: 'user', userId: string }
  | { kind: 'service' }
  | { kind: 'admin' }

export const userIdOf = (caller: Caller): string | null => caller.kind === 'user' ? caller.userId : null
