/**
 * Demo runs for local mode: one of each kind a user should see, plus tasks whose templates let
 * `POST execute` start new runs.
 */
import type { RunScenario } from './scenarios';
import type { Sandbox } from './server';

export interface DemoRun {
  execId: string;
  taskId: string;
}

export interface DemoRuns {
  /** Finishes within a minute, no differences. */
  consistent: DemoRun;
  /** Finishes within two minutes with differing rows, in bursts, one table skipped. */
  withDifferences: DemoRun;
  /** Fails part-way with an error message. */
  failing: DemoRun;
  /** Runs for hours, stalls once, and reports an unknown status (`Running`) for a while. */
  longRunning: DemoRun;
  /** A task without runs, ready for `POST execute`. */
  idleTaskId: string;
  taskIds: string[];
}

type DemoScenario = Omit<RunScenario, 'taskId' | 'execId' | 'startAt'>;

const SCENARIOS = {
  consistent: {
    taskId: 'cd-democonsist',
    name: 'orders: primary vs replica',
    scenario: { durationSeconds: 45, tables: 6, sourceRows: 120_000 },
  },
  withDifferences: {
    taskId: 'cd-demodiffers',
    name: 'billing: MySQL vs PostgreSQL migration',
    scenario: {
      durationSeconds: 90,
      tables: 8,
      skippedTables: 1,
      sourceRows: 2_500_000,
      targetRows: 2_499_972,
      different: 1_250,
      onlySource: 40,
      onlyTarget: 12,
      progress: 'bursty',
    },
  },
  failing: {
    taskId: 'cd-demofailing',
    name: 'inventory: on-premises vs cloud',
    scenario: {
      durationSeconds: 60,
      sourceRows: 800_000,
      finalStatus: 'failed',
      failAtFraction: 0.4,
      errorMessage: 'source connection lost: Communications link failure',
    },
  },
  longRunning: {
    taskId: 'cd-demolongrun',
    name: 'events archive: nightly full compare',
    scenario: {
      durationSeconds: 3 * 3600,
      tables: 40,
      sourceRows: 480_000_000,
      different: 3,
      stalls: [{ atFraction: 0.3, seconds: 600 }],
      statusBlips: [{ atSeconds: 120, seconds: 60, status: 'Running' }],
    },
  },
} as const satisfies Record<string, { taskId: string; name: string; scenario: DemoScenario }>;

const IDLE_TASK = {
  taskId: 'cd-demoidle001',
  name: 'customers: staging vs production',
  scenario: { durationSeconds: 30, tables: 3, sourceRows: 50_000, different: 7 },
} as const satisfies { taskId: string; name: string; scenario: DemoScenario };

/** The scenario played `speed` times faster: every duration divided, progress shapes kept. */
function faster(scenario: DemoScenario, speed: number): DemoScenario {
  if (speed === 1) return scenario;
  const scale = (seconds: number) => Math.max(1, Math.round(seconds / speed));
  return {
    ...scenario,
    durationSeconds: scale(scenario.durationSeconds),
    startingSeconds: scale(scenario.startingSeconds ?? 5),
    ...(scenario.stalls ? { stalls: scenario.stalls.map((s) => ({ ...s, seconds: scale(s.seconds) })) } : {}),
    ...(scenario.statusBlips
      ? {
          statusBlips: scenario.statusBlips.map((b) => ({
            ...b,
            atSeconds: scale(b.atSeconds),
            seconds: scale(b.seconds),
          })),
        }
      : {}),
  };
}

/**
 * Adds the demo tasks and starts their runs now (on the sandbox clock). `speed` plays them faster
 * (local mode's `DEMO_SPEED`, for a quick look or an end-to-end test).
 */
export function seedDemo(sandbox: Sandbox, options: { speed?: number } = {}): DemoRuns {
  const speed = options.speed ?? 1;
  if (!(speed >= 1)) throw new RangeError(`Demo speed must be at least 1, not ${speed}`);
  const start = (kind: keyof typeof SCENARIOS): DemoRun => {
    const { taskId, name } = SCENARIOS[kind];
    const scenario = faster(SCENARIOS[kind].scenario, speed);
    sandbox.addTask({ taskId, name, template: scenario });
    return { execId: sandbox.addRun({ ...scenario, taskId }), taskId };
  };
  sandbox.addTask({
    taskId: IDLE_TASK.taskId,
    name: IDLE_TASK.name,
    template: faster(IDLE_TASK.scenario, speed),
  });
  const runs = {
    consistent: start('consistent'),
    withDifferences: start('withDifferences'),
    failing: start('failing'),
    longRunning: start('longRunning'),
  };
  return {
    ...runs,
    idleTaskId: IDLE_TASK.taskId,
    taskIds: [...Object.values(runs).map((run) => run.taskId), IDLE_TASK.taskId],
  };
}
