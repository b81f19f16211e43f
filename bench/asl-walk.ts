/**
 * Walks an Amazon States Language definition state by state, with the Task states bound to
 * functions, and counts what Step Functions bills and records: states entered (each one is a
 * billed state transition) and execution history events (an execution dies at 25,000).
 *
 * Only the subset that the watch workflow and the job-poller sample use is supported (Task,
 * Choice, Wait, Pass, Succeed, Fail; Catch; ResultPath). Anything else throws, so a change to the
 * synthesized definition that this walker does not understand stops the benchmark instead of
 * being priced wrong. Retries are not walked: the benchmarks inject no faults.
 */

// biome-ignore lint/suspicious/noExplicitAny: ASL documents are untyped JSON
type Json = any;

export interface AslDefinition {
  StartAt: string;
  States: Record<string, Json>;
}

export interface WalkHandlers {
  /** Runs a Task state; its result becomes the state output (per ResultPath). Throws like the task. */
  task(stateName: string, input: unknown): Promise<unknown>;
  /** Called when a Wait state is entered, with the seconds it would sleep. */
  wait?(stateName: string, seconds: number): void;
}

export interface ExecutionTrace {
  /** Names of the states entered, in order: one billed state transition each. */
  entered: string[];
  /** Execution history events this execution would record (ExecutionStarted … ExecutionSucceeded). */
  historyEvents: number;
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
}

/**
 * History events per state entered, from the HistoryEvent types a successful pass records:
 * a Task `TaskStateEntered, (Lambda)Task Scheduled, Started, Succeeded, TaskStateExited`;
 * Choice, Wait, Pass and Succeed `…Entered, …Exited`; Fail `FailStateEntered`.
 * See https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
const HISTORY_EVENTS_PER_STATE: Readonly<Record<string, number>> = {
  Task: 5,
  Choice: 2,
  Wait: 2,
  Pass: 2,
  Succeed: 2,
  Fail: 1,
};
/** ExecutionStarted and ExecutionSucceeded (or ExecutionFailed). */
const EXECUTION_EVENTS = 2;

/** The history size at which Step Functions fails a Standard execution. */
export const HISTORY_EVENT_LIMIT = 25_000;

/** Guards against a definition or handler that loops forever. */
const MAX_STATES = 10_000_000;

export async function walkExecution(
  definition: AslDefinition,
  input: unknown,
  handlers: WalkHandlers,
): Promise<ExecutionTrace> {
  const entered: string[] = [];
  let historyEvents = EXECUTION_EVENTS;
  let current: string = definition.StartAt;
  let data: unknown = input;
  while (entered.length < MAX_STATES) {
    const state = definition.States[current];
    if (state === undefined) throw new Error(`the definition has no state ${current}`);
    entered.push(current);
    const events = HISTORY_EVENTS_PER_STATE[state.Type as string];
    if (events === undefined) throw new Error(`state ${current}: type ${state.Type} is not walked`);
    historyEvents += events;
    switch (state.Type) {
      case 'Succeed':
        return { entered, historyEvents, status: 'SUCCEEDED', output: data };
      case 'Fail':
        return { entered, historyEvents, status: 'FAILED', output: data };
      case 'Choice': {
        const choices: Json[] = state.Choices ?? [];
        const match = choices.find((rule) => evaluate(rule, data, current));
        const next: string | undefined = match?.Next ?? state.Default;
        if (next === undefined) throw new Error(`state ${current}: no choice matched and no Default`);
        current = next;
        continue;
      }
      case 'Wait': {
        const seconds =
          typeof state.Seconds === 'number'
            ? state.Seconds
            : typeof state.SecondsPath === 'string'
              ? Number(readPath(data, state.SecondsPath))
              : Number.NaN;
        if (!Number.isFinite(seconds))
          throw new Error(`state ${current}: only Seconds/SecondsPath are walked`);
        handlers.wait?.(current, seconds);
        break;
      }
      case 'Pass':
        data = applyResultPath(data, state.Result ?? data, state.ResultPath);
        break;
      case 'Task': {
        try {
          data = applyResultPath(data, await handlers.task(current, data), state.ResultPath);
        } catch (error) {
          const name = error instanceof Error ? error.name : 'States.TaskFailed';
          const handler = ((state.Catch ?? []) as Json[]).find(
            (c) => c.ErrorEquals.includes(name) || c.ErrorEquals.includes('States.ALL'),
          );
          if (handler === undefined) throw error;
          const caught = { Error: name, Cause: error instanceof Error ? error.message : String(error) };
          data = applyResultPath(data, caught, handler.ResultPath);
          current = handler.Next;
          continue;
        }
        break;
      }
      default:
        throw new Error(`state ${current}: type ${state.Type} is not walked`);
    }
    if (state.End === true) return { entered, historyEvents, status: 'SUCCEEDED', output: data };
    if (typeof state.Next !== 'string') throw new Error(`state ${current} has neither Next nor End`);
    current = state.Next;
  }
  throw new Error(`no end after ${MAX_STATES} states`);
}

/** The ASL rule operators the walker evaluates; any other throws. */
function evaluate(rule: Json, data: unknown, stateName: string): boolean {
  if (Array.isArray(rule.And)) return rule.And.every((r: Json) => evaluate(r, data, stateName));
  if (Array.isArray(rule.Or)) return rule.Or.some((r: Json) => evaluate(r, data, stateName));
  if (rule.Not !== undefined) return !evaluate(rule.Not, data, stateName);
  const value = readPath(data, rule.Variable);
  if ('StringEquals' in rule) return value === rule.StringEquals;
  if ('NumericEquals' in rule) return value === rule.NumericEquals;
  if ('BooleanEquals' in rule) return value === rule.BooleanEquals;
  if ('IsPresent' in rule) return (value !== undefined) === rule.IsPresent;
  throw new Error(`state ${stateName}: choice rule ${JSON.stringify(rule)} is not walked`);
}

/** `$`, `$.a`, `$.a.b`: the only paths the definitions use. */
function readPath(data: unknown, path: string): unknown {
  if (path === '$') return data;
  if (!path.startsWith('$.')) throw new Error(`path ${path} is not walked`);
  let value: unknown = data;
  for (const key of path.slice(2).split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

function applyResultPath(input: unknown, result: unknown, resultPath: string | null | undefined): unknown {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return input;
  if (!resultPath.startsWith('$.') || resultPath.slice(2).includes('.')) {
    throw new Error(`ResultPath ${resultPath} is not walked`);
  }
  return { ...(input as Record<string, unknown>), [resultPath.slice(2)]: result };
}
