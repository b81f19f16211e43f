import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { watchDefinition } from '../../lib/local/definition';
import { WATCH_STATES } from '../../lib/watch-workflow';

describe('the synthesized watch definition', () => {
  it('is valid Amazon States Language, with paths and ARNs checked', () => {
    const { definition } = watchDefinition();

    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    expect(result.errorsText()).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('stays valid at the configuration bounds', () => {
    const { definition } = watchDefinition({
      watchDeadlineHours: '8760',
      pollMinSeconds: '1',
      pollMaxSeconds: '86400',
      historyGuardPolls: '10',
    });

    expect(aslValidator(definition).errorsText()).toBe('');
  });

  it('is rejected by the validator once a transition points nowhere', () => {
    const { definition } = watchDefinition();
    delete definition.States[WATCH_STATES.wait];

    const result = aslValidator(definition);

    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toMatch(/WaitBeforeNextPoll/);
  });
});
