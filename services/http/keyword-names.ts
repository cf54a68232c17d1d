/** Our schema keywords: OpenAPI `x-` extensions, so the documents stay valid. */
export const MAX_DEPTH = 'x-max-depth'
export const UTC_TIMESTAMP = 'x-utc-timestamp'
export const FINITE = 'x-finite'
