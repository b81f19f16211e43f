import { describe, expect, it } from 'vitest';
import { refusalKind } from '../../functions/ninedata/refusals';

describe('refusalKind', () => {
  it.each([
    ['task not found', 'notFound'],
    ['exec not found', 'notFound'],
    ['execId 315337 does not exist', 'notFound'],
    ['Task not exists', 'notFound'],
    ['subtask not found: 315337', 'notFound'],
    ['access key not found', 'auth'],
    ['AccessKey invalid', 'auth'],
    ['access_key disabled', 'auth'],
    ['signature mismatch', 'auth'],
    ['timestamp expired', 'auth'],
    ['Unauthorized', 'auth'],
    ['authentication failed', 'auth'],
    ['task status invalid', 'rejected'],
    ['not found', 'rejected'],
    ['datasource not found', 'rejected'],
    ['', 'rejected'],
    [null, 'rejected'],
  ] as const)('reads %j as %s', (message, kind) => {
    expect(refusalKind(message)).toBe(kind);
  });
});
