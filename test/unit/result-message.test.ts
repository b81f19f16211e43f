import { describe, expect, it } from 'vitest';
import { buildResultMessage, resultEventId } from '../../functions/core/result-message';
import { normaliseRun, type WatchOutcome } from '../../functions/core/run-view';
import { upstreamRun } from '../support/runs';

const observedAt = new Date('2026-05-08T09:00:00.000Z');
const finished = (overrides: Parameters<typeof upstreamRun>[0] = {}) =>
  normaliseRun(upstreamRun({ status: 'success', ...overrides }), observedAt);

describe('buildResultMessage', () => {
  it('carries the run, its outcome and the change since the previous run', () => {
    const previous = finished({ execId: '315000', differenceRows: 0, onlySourceRows: 0, onlyTargetRows: 0 });
    const run = finished({ differenceRows: 30, onlySourceRows: 5, onlyTargetRows: 0 });

    const message = buildResultMessage({
      run,
      outcome: 'inconsistent',
      attempt: 1,
      previous,
      apiUrl: 'https://api.example.com/',
    });

    expect(JSON.parse(message.body)).toEqual({
      type: 'ninedata.compare.result',
      version: 1,
      eventId: 'compare-watch:315337:result',
      outcome: 'inconsistent',
      differences: 35,
      run,
      reason: null,
      previous: { execId: '315000', createdAt: previous.createdAt, counts: previous.counts, differences: 0 },
      delta: { differences: 35, different: 30, onlySource: 5, onlyTarget: 0 },
      regression: true,
      links: {
        run: 'https://api.example.com/runs/315337',
        snapshots: 'https://api.example.com/runs/315337/snapshots',
        task: 'https://api.example.com/tasks/cd-tepmjmnj6o',
      },
    });
    expect(message.subject).toBe('NineData compare cd-tepmjmnj6o #315337: 35 differences');
    expect(message.attributes).toEqual({
      outcome: { type: 'String', value: 'inconsistent' },
      status: { type: 'String', value: 'success' },
      taskId: { type: 'String', value: 'cd-tepmjmnj6o' },
      different: { type: 'Number', value: '35' },
      regression: { type: 'String', value: 'true' },
      eventId: { type: 'String', value: 'compare-watch:315337:result' },
    });
  });

  it('reports no regression when differences shrank', () => {
    const previous = finished({ execId: '1', differenceRows: 10, onlySourceRows: 0 });
    const run = finished({ differenceRows: 3, onlySourceRows: 0 });

    const body = JSON.parse(
      buildResultMessage({ run, outcome: 'inconsistent', attempt: 1, previous, apiUrl: null }).body,
    );

    expect(body).toMatchObject({ delta: { differences: -7 }, regression: false, links: null });
  });

  it('has no delta for the first run of a task, or for a run without a result', () => {
    const first = buildResultMessage({
      run: finished(),
      outcome: 'inconsistent',
      attempt: 1,
      previous: null,
      apiUrl: null,
    });
    const failed = buildResultMessage({
      run: finished({ status: 'failed' }),
      outcome: 'failed',
      attempt: 1,
      previous: finished({ execId: '1' }),
      apiUrl: null,
    });

    expect(JSON.parse(first.body)).toMatchObject({ previous: null, delta: null, regression: false });
    expect(JSON.parse(failed.body)).toMatchObject({ delta: null, regression: false });
  });

  it('leaves the Number attribute out when NineData sent no difference counts', () => {
    const run = finished({ differenceRows: null, onlySourceRows: null, onlyTargetRows: null });

    const message = buildResultMessage({
      run,
      outcome: 'consistent',
      attempt: 1,
      previous: null,
      apiUrl: null,
    });

    expect(message.attributes.different).toBeUndefined();
    expect(JSON.parse(message.body).differences).toBeNull();
  });

  it.each<[WatchOutcome, string]>([
    ['consistent', 'NineData compare cd-tepmjmnj6o #315337: consistent'],
    ['failed', 'NineData compare cd-tepmjmnj6o #315337: failed'],
    ['stopped', 'NineData compare cd-tepmjmnj6o #315337: stopped'],
    ['timed_out', 'NineData compare cd-tepmjmnj6o #315337: still running at the watch deadline'],
    ['unreachable', 'NineData compare cd-tepmjmnj6o #315337: NineData unreachable, watch ended'],
  ])('writes a short subject for %s', (outcome, subject) => {
    const run = normaliseRun(upstreamRun({ differenceRows: 0, onlySourceRows: 0 }), observedAt);
    expect(buildResultMessage({ run, outcome, attempt: 1, previous: null, apiUrl: null }).subject).toBe(
      subject,
    );
  });

  it('keeps the subject within 100 characters', () => {
    const run = finished({ taskId: `cd-${'x'.repeat(150)}` });

    const { subject } = buildResultMessage({
      run,
      outcome: 'inconsistent',
      attempt: 1,
      previous: null,
      apiUrl: null,
    });

    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject.startsWith('NineData compare cd-xxx')).toBe(true);
  });
});

describe('resultEventId', () => {
  it('is the same for every delivery of a run result, whichever watch found it', () => {
    expect(resultEventId('7', 'consistent', 1)).toBe(resultEventId('7', 'consistent', 3));
  });

  it('differs for each watch that gave up', () => {
    expect(resultEventId('7', 'timed_out', 1)).not.toBe(resultEventId('7', 'timed_out', 2));
    expect(resultEventId('7', 'timed_out', 1)).not.toBe(resultEventId('7', 'consistent', 1));
  });
});
