/**
 * For CLI and server child processes run with tsx: tap instruments children too, and coverage of
 * the same sources compiled by tsx (other line maps) garbles the merged report, so they report none.
 */
export const NO_CHILD_COVERAGE = { _TAPJS_PROCESSINFO_COV_EXCLUDE_: '/./' }
