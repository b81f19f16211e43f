/** The NineData sandbox: a local stand-in for NineData's OpenAPI, for tests and local mode. */
export { AUTH_MESSAGES } from './auth';
export { type DemoRun, type DemoRuns, seedDemo } from './demo';
export type { Fault, FaultScope } from './faults';
export { ManualClock } from './manual-clock';
export type { ResolvedScenario, RunCounts, RunScenario, RunState, TableRow } from './scenarios';
export { type RecordedRequest, type Sandbox, type SandboxOptions, startSandbox } from './server';
export {
  FAILURE_MESSAGES,
  type SandboxRun,
  type SandboxSnapshot,
  type SandboxTask,
  type SandboxTaskInput,
} from './state';
