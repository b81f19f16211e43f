import { describe, expect, it } from 'vitest';
import { reasonOf } from '../../functions/use-cases/finalize-watch';

describe('reasonOf', () => {
  it('reads the message of a Lambda error as Step Functions reports it', () => {
    const cause = JSON.stringify({
      errorType: 'NineDataAuthRejected',
      errorMessage: 'NineData rejected the credentials',
      trace: [
        'NineDataAuthRejected: NineData rejected the credentials',
        '    at Object.getRun (/var/task/index.mjs:1:2)',
      ],
    });

    expect(reasonOf('unreachable', { Error: 'NineDataAuthRejected', Cause: cause })).toBe(
      'NineDataAuthRejected: NineData rejected the credentials',
    );
  });

  it('takes a plain cause as the message', () => {
    expect(reasonOf('unreachable', { Error: 'States.Timeout', Cause: 'Task timed out' })).toBe(
      'States.Timeout: Task timed out',
    );
  });

  it('never passes on a stack trace or an unreadable JSON cause', () => {
    const reason = reasonOf('unreachable', { Error: 'Boom', Cause: '{"trace":["at x"]}' });

    expect(reason).toBe('Boom');
  });

  it('explains a deadline', () => {
    expect(reasonOf('timed_out', undefined)).toBe('the watch deadline passed before the run finished');
  });
});
