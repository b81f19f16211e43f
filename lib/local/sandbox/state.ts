/**
 * The sandbox's tasks and runs, and the NineData operations over them. No HTTP here: each
 * operation returns the `data` to answer or the failure message NineData would send.
 */
import type { Clock } from '../../../functions/core/ports';
import {
  type ResolvedScenario,
  type RunScenario,
  type RunState,
  resolveScenario,
  runStateAt,
} from './scenarios';

export interface SandboxTaskInput {
  taskId: string;
  name?: string;
  /** The scenario of runs started by `execute`. */
  template?: Partial<RunScenario>;
}

export interface SandboxTask {
  taskId: string;
  name: string;
  createdAt: Date;
  lastExecId: string | null;
  execIds: string[];
}

export interface SandboxRun {
  scenario: ResolvedScenario;
  /** When a stop request reached the run, if one did. */
  stoppedAt: Date | null;
  /** What `execute` was given, if the run was started through it. */
  compareOption: unknown;
  state: RunState;
}

export type Answer<T> = { ok: true; data: T } | { ok: false; message: string };

interface TaskRecord extends SandboxTask {
  template: Partial<RunScenario>;
}

interface RunRecord {
  scenario: ResolvedScenario;
  stoppedAt: Date | null;
  compareOption: unknown;
}

/* What `execute` runs when the task has no template: a minute over ten thousand rows. */
const DEFAULT_TEMPLATE = { durationSeconds: 60, sourceRows: 10_000 } as const;

export const FAILURE_MESSAGES = {
  taskNotFound: 'task not found',
  execNotFound: 'exec not found',
  taskStatusInvalid: 'task status invalid',
} as const;

/** Everything the sandbox knows, as plain JSON: what local mode keeps on disk across restarts. */
export interface SandboxSnapshot {
  version: 1;
  nextExecId: number;
  tasks: (Omit<TaskRecord, 'createdAt'> & { createdAt: string })[];
  runs: {
    scenario: Omit<ResolvedScenario, 'startAt'> & { startAt: string };
    stoppedAt: string | null;
    compareOption: unknown;
  }[];
}

export class SandboxState {
  readonly #clock: Clock;
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #runs = new Map<string, RunRecord>();
  #nextExecId: number;
  /** Called after every change (a task or run added, a run stopped). */
  onChange: () => void = () => {};

  constructor(clock: Clock, firstExecId: number) {
    this.#clock = clock;
    this.#nextExecId = firstExecId;
  }

  snapshot(): SandboxSnapshot {
    return {
      version: 1,
      nextExecId: this.#nextExecId,
      tasks: [...this.#tasks.values()].map((task) => ({ ...task, createdAt: task.createdAt.toISOString() })),
      runs: [...this.#runs.values()].map((run) => ({
        scenario: { ...run.scenario, startAt: run.scenario.startAt.toISOString() },
        stoppedAt: run.stoppedAt?.toISOString() ?? null,
        compareOption: run.compareOption,
      })),
    };
  }

  /** Replaces everything with a snapshot taken earlier (runs go on from where their clock is now). */
  restore(snapshot: SandboxSnapshot): void {
    if (snapshot.version !== 1)
      throw new RangeError(`Unknown sandbox snapshot version ${String(snapshot.version)}`);
    this.#tasks.clear();
    this.#runs.clear();
    this.#nextExecId = snapshot.nextExecId;
    for (const task of snapshot.tasks)
      this.#tasks.set(task.taskId, { ...task, createdAt: new Date(task.createdAt) });
    for (const run of snapshot.runs) {
      this.#runs.set(run.scenario.execId, {
        scenario: { ...run.scenario, startAt: new Date(run.scenario.startAt) },
        stoppedAt: run.stoppedAt === null ? null : new Date(run.stoppedAt),
        compareOption: run.compareOption,
      });
    }
  }

  addTask(input: SandboxTaskInput): void {
    if (input.template !== undefined) {
      // Fails now, where the test or demo wrote the template, rather than on a later `execute`.
      resolveScenario(
        { ...DEFAULT_TEMPLATE, ...input.template, taskId: input.taskId },
        'template',
        this.#clock.now(),
      );
    }
    const existing = this.#tasks.get(input.taskId);
    if (existing !== undefined) {
      existing.name = input.name ?? existing.name;
      existing.template = input.template ?? existing.template;
    } else {
      this.#tasks.set(input.taskId, {
        taskId: input.taskId,
        name: input.name ?? input.taskId,
        createdAt: this.#clock.now(),
        lastExecId: null,
        execIds: [],
        template: input.template ?? {},
      });
    }
    this.onChange();
  }

  addRun(scenario: RunScenario, compareOption: unknown = null): string {
    const execId = scenario.execId ?? String(this.#nextExecId);
    if (this.#runs.has(execId)) throw new RangeError(`The sandbox already has run ${execId}`);
    const resolved = resolveScenario(scenario, execId, this.#clock.now());
    if (/^\d+$/.test(execId)) this.#nextExecId = Math.max(this.#nextExecId, Number(execId) + 1);
    this.addTask({ taskId: scenario.taskId });
    const task = this.#tasks.get(scenario.taskId) as TaskRecord;
    task.lastExecId = execId;
    task.execIds.push(execId);
    this.#runs.set(execId, { scenario: resolved, stoppedAt: null, compareOption });
    this.onChange();
    return execId;
  }

  run(execId: string): SandboxRun | null {
    const record = this.#runs.get(execId);
    if (record === undefined) return null;
    return { ...record, state: runStateAt(record.scenario, this.#clock.now(), record.stoppedAt) };
  }

  task(taskId: string): SandboxTask | null {
    const record = this.#tasks.get(taskId);
    if (record === undefined) return null;
    const { template: _template, ...task } = record;
    return { ...task, execIds: [...task.execIds] };
  }

  // ---------------------------------------------------------------- operations

  getRun(execId: string): Answer<RunState> {
    const run = this.run(execId);
    return run === null
      ? { ok: false, message: FAILURE_MESSAGES.execNotFound }
      : { ok: true, data: run.state };
  }

  getTask(taskId: string): Answer<{ task: SandboxTask; lastRun: RunState | null }> {
    const task = this.task(taskId);
    if (task === null) return { ok: false, message: FAILURE_MESSAGES.taskNotFound };
    const lastRun = task.lastExecId === null ? null : (this.run(task.lastExecId)?.state ?? null);
    return { ok: true, data: { task, lastRun } };
  }

  /** Starts a run from the task's template; refused while a run of the task is going. */
  execute(taskId: string, compareOption: unknown): Answer<string> {
    const task = this.#tasks.get(taskId);
    if (task === undefined) return { ok: false, message: FAILURE_MESSAGES.taskNotFound };
    if (this.#goingRuns(task).length > 0) return { ok: false, message: FAILURE_MESSAGES.taskStatusInvalid };
    const execId = this.addRun(
      { ...DEFAULT_TEMPLATE, ...task.template, execId: undefined, startAt: undefined, taskId },
      compareOption ?? null,
    );
    return { ok: true, data: execId };
  }

  /** Stops the task's going runs; refused when none is going. */
  stop(taskId: string): Answer<null> {
    const task = this.#tasks.get(taskId);
    if (task === undefined) return { ok: false, message: FAILURE_MESSAGES.taskNotFound };
    const going = this.#goingRuns(task);
    if (going.length === 0) return { ok: false, message: FAILURE_MESSAGES.taskStatusInvalid };
    const now = this.#clock.now();
    for (const record of going) record.stoppedAt = now;
    this.onChange();
    return { ok: true, data: null };
  }

  /** The run of the task, for its table summary. */
  runOfTask(taskId: string, execId: string): Answer<SandboxRun> {
    if (!this.#tasks.has(taskId)) return { ok: false, message: FAILURE_MESSAGES.taskNotFound };
    const run = this.run(execId);
    if (run === null || run.scenario.taskId !== taskId)
      return { ok: false, message: FAILURE_MESSAGES.execNotFound };
    return { ok: true, data: run };
  }

  #goingRuns(task: TaskRecord): RunRecord[] {
    const now = this.#clock.now();
    return task.execIds
      .map((execId) => this.#runs.get(execId))
      .filter((record): record is RunRecord => record !== undefined)
      .filter((record) => !runStateAt(record.scenario, now, record.stoppedAt).final);
  }
}
