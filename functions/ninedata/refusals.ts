/**
 * What a NineData `success: false` means, read from its message: NineData documents no error
 * codes, only messages such as `task not found`.
 */

export type RefusalKind = 'auth' | 'notFound' | 'rejected';

const AUTH = /signature|timestamp|access[\s_-]*key|unauthori[sz]ed|authenticat/i;
const NOT_FOUND =
  /\b(?:exec|execution|task|subtask|run)(?:[\s_-]?id)?\b.*\b(?:not found|not exists?|does not exist|doesn't exist)\b/i;

/** Auth is checked first: `access key not found` is a credentials problem, not a missing run. */
export function refusalKind(message: string | null): RefusalKind {
  if (message === null) return 'rejected';
  if (AUTH.test(message)) return 'auth';
  if (NOT_FOUND.test(message)) return 'notFound';
  return 'rejected';
}
