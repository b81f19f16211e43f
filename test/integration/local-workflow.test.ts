import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newWatch, watchStateOf } from '../../functions/core/watch';
import { watchDefinition } from '../../lib/local/definition';
import { LocalWorkflow } from '../../lib/local/local-workflow';

const state = watchStateOf(newWatch('1', 1, new Date('2026-05-08T08:00:00Z'), { deadlineSeconds: 86_400 }));

describe('LocalWorkflow', () => {
  const definition = watchDefinition();

  it('starts a name once, as Step Functions does', async () => {
    let polls = 0;
    const workflow = new LocalWorkflow({
      definition,
      instant: true,
      handlers: {
        poll: async (input) => {
          polls += 1;
          return { ...input, decision: 'final', waitSeconds: 0, status: 'success', observedAt: '' };
        },
        finalize: async () => ({}),
      },
    });

    await Promise.all([workflow.start('run-1-w1-g0', state), workflow.start('run-1-w1-g0', state)]);
    await workflow.idle();

    expect(polls).toBe(1);
    expect(workflow.executions.map((e) => [e.name, e.status])).toEqual([['run-1-w1-g0', 'SUCCEEDED']]);
  });

  it('lets a poll under way finish before a stop returns, and starts nothing after', async () => {
    let finished = false;
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const workflow = new LocalWorkflow({
      definition,
      instant: true,
      handlers: {
        poll: async (input) => {
          markStarted();
          await delay(150);
          finished = true;
          return { ...input, decision: 'wait', waitSeconds: 60, status: 'running', observedAt: '' };
        },
        finalize: async () => ({}),
      },
    });
    await workflow.start('run-1-w1-g0', state);
    await started;

    await workflow.stop();

    expect(finished).toBe(true);
    expect(workflow.executions[0]?.status).toBe('ABORTED');
    await expect(workflow.start('run-2-w1-g0', { ...state, execId: '2' })).rejects.toThrow('shutting down');
  });
});
