import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, startSandbox } from '../../lib/local/sandbox';
import { CREDENTIALS } from '../support/lookup-harness';

describe('sandbox state file', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('brings tasks, runs, stops and the next id back after a restart', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'sandbox-'));
    folders.push(folder);
    const stateFile = path.join(folder, 'sandbox.json');
    const clock = new ManualClock('2026-05-08T08:00:00Z');
    const first = await startSandbox({ credentials: CREDENTIALS, clock, stateFile });
    first.addTask({ taskId: 'cd-persist', name: 'kept', template: { durationSeconds: 60, sourceRows: 10 } });
    const running = first.addRun({ taskId: 'cd-persist', durationSeconds: 3_600, sourceRows: 100 });
    await first.close();

    clock.advance(30 * 60_000);
    const second = await startSandbox({ credentials: CREDENTIALS, clock, stateFile });
    const next = second.addRun({ taskId: 'cd-persist', durationSeconds: 60, sourceRows: 10 });
    await second.close();

    expect(second.task('cd-persist')).toMatchObject({ name: 'kept', execIds: [running, next] });
    expect(second.runState(running)).toMatchObject({ status: 'running' });
    expect(Number(next)).toBe(Number(running) + 1);
  });
});
