import { describe, expect, it } from 'vitest';
import { newTaskId } from '../support/lookup-harness';
import { type LookupAnswer, useWorkflowHarness } from '../support/workflow-harness';

const harnessWith = useWorkflowHarness();

describe('concurrent requests about one run', () => {
  it('starts one execution and sends one message when 50 watch requests arrive at once', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({ taskId: newTaskId(), durationSeconds: 900, sourceRows: 50_000 });

    const answers = await Promise.all(Array.from({ length: 50 }, () => harness.watch(execId)));
    await harness.settle();

    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    const others = answers.filter((a) => a.status !== 202);
    expect(others).toHaveLength(49);
    for (const answer of others) {
      expect(answer.status).toBe(200);
      expect(['watching', 'finished']).toContain(answer.body.request);
      expect(answer.body.watch).toMatchObject({ attempt: 1 });
    }
    expect(harness.workflow.executions.map((e) => e.name)).toEqual([`run-${execId}-w1-g0`]);
    expect(harness.publisher.bodiesFor(execId).map((b) => b.eventId)).toEqual([
      `compare-watch:${execId}:result`,
    ]);
    expect((await harness.store.getRun(execId))?.watchAttempts).toBe(1);
  });

  it('never shows a lookup client a run going back from final, and loses no observation, while the watch polls', async () => {
    const harness = await harnessWith();
    const execId = harness.sandbox.addRun({
      taskId: newTaskId(),
      durationSeconds: 1_800,
      sourceRows: 100_000,
      different: 2,
    });
    const watching = () => harness.workflow.executions.some((e) => e.status === 'RUNNING');
    /** One caller refreshing the run until the watch has ended and it has seen the run final. */
    const client = async (): Promise<LookupAnswer[]> => {
      const seen: LookupAnswer[] = [];
      while (watching() || !seen.at(-1)?.body.final) {
        seen.push(await harness.call({ path: `/runs/${execId}`, query: 'refresh=true' }));
        if (seen.length > 500) throw new Error('the run never became final for this client');
      }
      return seen;
    };

    expect((await harness.watch(execId)).status).toBe(202);
    const clients = await Promise.all(Array.from({ length: 4 }, client));
    await harness.settle();

    for (const seen of clients) {
      expect(seen.every((a) => a.status === 200)).toBe(true);
      // Each client saw the run going, then final: its lookups overlapped the watch's polls.
      const finalAt = seen.findIndex((a) => a.body.final);
      expect(finalAt).toBeGreaterThan(0);
      expect(seen.slice(finalAt).map((a) => a.body.status)).toEqual(seen.slice(finalAt).map(() => 'success'));
      const times = seen.map((a) => a.body.observedAt as string);
      expect(times).toEqual([...times].sort());
    }
    const stored = await harness.store.getRun(execId);
    const observed = harness.store.observations.map((o) => o.view);
    const latest = observed
      .map((v) => v.observedAt)
      .sort()
      .at(-1);
    expect(stored?.view).toMatchObject({ final: true, status: 'success', observedAt: latest });
    expect(observed.some((v) => !v.final)).toBe(true);
    const { snapshots } = await harness.store.listSnapshots(execId, { limit: 100 });
    const times = snapshots.map((s) => s.observedAt);
    expect(times).toEqual([...new Set(times)].sort().reverse());
    expect(snapshots[0]).toMatchObject({ final: true, status: 'success' });
    const observedTimes = new Set(observed.map((v) => v.observedAt));
    expect(times.every((t) => observedTimes.has(t))).toBe(true);
    expect(harness.publisher.bodiesFor(execId).map((b) => b.outcome)).toEqual(['inconsistent']);
  });
});
