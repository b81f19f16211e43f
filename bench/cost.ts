/**
 * Cost per 1,000 watched runs of the benchmark corpus, against the AWS Step Functions job-poller
 * sample watching the same runs every 60 s.
 *
 * - State transitions: counted by walking the synthesized definition (and the sample's), so a
 *   change to the state machine changes the figure.
 * - DynamoDB: a stratified sample of the corpus goes through the real watch request, poll and
 *   finalize code against dynalite; every request's consumed capacity is read back from dynalite
 *   and extrapolated per kind of run to the whole corpus by its simulated poll counts.
 * - Lambda: handler durations measured in-process against dynalite and the sandbox on loopback
 *   (a proxy: no Lambda runtime, no real network), times the memory configured in the template.
 * - SNS: publishes counted from the sample.
 * Prices come from bench/prices.us-east-1.json, each with its source.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoRunStore } from '../functions/adapters/dynamo-run-store';
import { type PollPolicyConfig, validatePollPolicyConfig } from '../functions/core/poll-policy';
import {
  type Clock,
  type NineDataApi,
  noMetrics,
  type PublishedMessage,
  type ResultPublisher,
  silentLog,
  type WatchState,
} from '../functions/core/ports';
import type { UpstreamRun } from '../functions/core/run-view';
import { createLookupHandler } from '../functions/http/lookup-api';
import { createFinalizeHandler, createPollHandler } from '../functions/watch-handlers';
import { synthesizeTemplate, watchDefinitionOf } from '../lib/local/definition';
import { ManualClock } from '../lib/local/sandbox';
import { WATCH_STATES } from '../lib/watch-workflow';
import { apiEvent } from '../test/support/api-events';
import { type AslDefinition, type ExecutionTrace, HISTORY_EVENT_LIMIT, walkExecution } from './asl-walk';
import { type BenchSection, formatNumber, formatRatio, formatTable, mean, percentile } from './report';
import { buildCorpus, DEFAULT_CORPUS_SEED, kindOf, type Scenario } from './scenarios';
import { fixedInterval, pollPolicyStrategy, simulateWatch } from './simulator';
import { startStandIns, timed } from './stand-ins';

// ---------------------------------------------------------------- prices

interface PriceLine {
  usdPerUnit: number;
  unit: string;
  published: string;
  source: string;
  checked: string;
}

type PriceKey =
  | 'stepFunctionsStandardTransition'
  | 'lambdaArmGbSecond'
  | 'lambdaRequest'
  | 'dynamoDbOnDemandWrite'
  | 'dynamoDbOnDemandRead'
  | 'snsStandardPublish';

export function loadPrices(): Record<PriceKey, PriceLine> {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, 'prices.us-east-1.json'), 'utf8')) as {
    prices: Record<string, PriceLine>;
  };
  const keys: PriceKey[] = [
    'stepFunctionsStandardTransition',
    'lambdaArmGbSecond',
    'lambdaRequest',
    'dynamoDbOnDemandWrite',
    'dynamoDbOnDemandRead',
    'snsStandardPublish',
  ];
  for (const key of keys) {
    const line = file.prices[key];
    if (!line || !(line.usdPerUnit > 0) || !line.source || !line.checked)
      throw new Error(`prices.us-east-1.json: ${key} needs usdPerUnit, source and checked`);
  }
  return file.prices as Record<PriceKey, PriceLine>;
}

// ---------------------------------------------------------------- the stack, as synthesized

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
type Json = any;

export interface StackFacts {
  definition: AslDefinition;
  memoryMb: { lookup: number; poll: number; finalize: number };
  historyGuardPolls: number;
  policy: PollPolicyConfig;
  deadlineSeconds: number;
}

/** What the cost depends on, read from the synthesized template rather than assumed. */
export function stackFacts(): StackFacts {
  // The App writes its cloud assembly somewhere; a folder of ours, removed after, rather than a stray one.
  const outdir = mkdtempSync(join(tmpdir(), 'compare-watch-cost-'));
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  let template: Json;
  try {
    template = synthesizeTemplate();
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
  const { definition } = watchDefinitionOf(template);
  const resources: Record<string, Json> = template.Resources;
  const functionOfState = (stateName: string): Json => {
    const state = definition.States[stateName];
    const arn: unknown = state?.Parameters?.FunctionName ?? state?.Resource;
    const id = typeof arn === 'string' ? arn.split(':function:')[1]?.split(':')[0] : undefined;
    const resource = id === undefined ? undefined : resources[id];
    if (resource?.Type !== 'AWS::Lambda::Function')
      throw new Error(`state ${stateName} does not invoke a Lambda function of the template`);
    return resource.Properties;
  };
  const poll = functionOfState(WATCH_STATES.poll);
  const finalize = functionOfState(WATCH_STATES.finalize);
  // The lookup function is the one that starts executions.
  const lookup = Object.values(resources).find(
    (r: Json) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.STATE_MACHINE_ARN,
  )?.Properties;
  if (lookup === undefined) throw new Error('no lookup function (with STATE_MACHINE_ARN) in the template');
  const env = (fn: Json, name: string): number => {
    const value = fn.Environment?.Variables?.[name];
    const parsed = Number(value);
    if (typeof value !== 'string' || !Number.isFinite(parsed))
      throw new Error(`the template sets no literal ${name}`);
    return parsed;
  };
  return {
    definition,
    memoryMb: { lookup: lookup.MemorySize, poll: poll.MemorySize, finalize: finalize.MemorySize },
    historyGuardPolls: env(poll, 'HISTORY_GUARD_POLLS'),
    policy: validatePollPolicyConfig({
      minSeconds: env(poll, 'POLL_MIN_SECONDS'),
      maxSeconds: env(poll, 'POLL_MAX_SECONDS'),
    }),
    deadlineSeconds: env(lookup, 'WATCH_DEADLINE_SECONDS'),
  };
}

// ---------------------------------------------------------------- the job-poller baseline

/**
 * The AWS Step Functions "Job Status Poller" sample: the console sample project (input
 * `wait_time: 60`) and its CDK version, aws-samples/aws-cdk-examples typescript/stepfunctions-job-poller.
 * States, types and transitions as published; InputPath/OutputPath are left out because the
 * walked handlers return what the Choice reads. Its Lambdas set no memory size: 128 MB, the default.
 * https://docs.aws.amazon.com/step-functions/latest/dg/sample-project-job-poller.html
 */
export const JOB_POLLER: AslDefinition = {
  StartAt: 'Submit Job',
  States: {
    'Submit Job': {
      Type: 'Task',
      Resource: 'arn:aws:lambda:::function:SubmitLambda',
      Next: 'Wait X Seconds',
    },
    'Wait X Seconds': { Type: 'Wait', SecondsPath: '$.wait_time', Next: 'Get Job Status' },
    'Get Job Status': {
      Type: 'Task',
      Resource: 'arn:aws:lambda:::function:CheckLambda',
      Next: 'Job Complete?',
    },
    'Job Complete?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.status', StringEquals: 'FAILED', Next: 'Job Failed' },
        { Variable: '$.status', StringEquals: 'SUCCEEDED', Next: 'Get Final Job Status' },
      ],
      Default: 'Wait X Seconds',
    },
    'Job Failed': { Type: 'Fail', Cause: 'AWS Batch Job Failed', Error: 'DescribeJob returned FAILED' },
    'Get Final Job Status': { Type: 'Task', Resource: 'arn:aws:lambda:::function:CheckLambda', End: true },
  },
};
const JOB_POLLER_MEMORY_MB = 128;
const JOB_POLLER_WAIT_SECONDS = 60;

// ---------------------------------------------------------------- walking the definitions

interface WalkedWatch {
  /** State transitions over every execution of the watch. */
  transitions: number;
  executions: number;
  /** The largest history of any one execution. */
  maxHistoryEvents: number;
  /** Task invocations by state name. */
  tasks: Record<string, number>;
}

function countTask(tasks: Record<string, number>, name: string): void {
  tasks[name] = (tasks[name] ?? 0) + 1;
}

/**
 * One watch of `polls` polls through the watch definition, with the decisions the poll use case
 * makes: `final` on the last poll, `continue` on every `guard`-th poll of an execution, else
 * `wait`. Each hand-over starts a successor execution, walked too.
 */
export async function walkOurs(
  definition: AslDefinition,
  polls: number,
  guard: number,
): Promise<WalkedWatch> {
  const walked: WalkedWatch = { transitions: 0, executions: 0, maxHistoryEvents: 0, tasks: {} };
  let made = 0;
  const pending: Record<string, number>[] = [{ polls: 0, generation: 0 }];
  for (let input = pending.shift(); input !== undefined; input = pending.shift()) {
    const trace = await walkExecution(definition, input, {
      async task(name, state) {
        countTask(walked.tasks, name);
        const carried = state as Record<string, number>;
        if (name === WATCH_STATES.poll) {
          made += 1;
          const inGeneration = (carried.polls ?? 0) + 1;
          if (made >= polls) return { ...carried, polls: inGeneration, decision: 'final', waitSeconds: 0 };
          if (inGeneration >= guard)
            return { ...carried, polls: 0, generation: (carried.generation ?? 0) + 1, decision: 'continue' };
          return { ...carried, polls: inGeneration, decision: 'wait', waitSeconds: 1 };
        }
        if (name === WATCH_STATES.handOver) {
          pending.push(carried);
          return {};
        }
        if (name === WATCH_STATES.finalize) return { published: true };
        throw new Error(`no stand-in for task state ${name}`);
      },
    });
    addTrace(walked, trace);
  }
  return walked;
}

/** One job-poller execution that polls `polls` times and ends as the run does. */
export async function walkJobPoller(polls: number, succeeded: boolean): Promise<WalkedWatch> {
  const walked: WalkedWatch = { transitions: 0, executions: 0, maxHistoryEvents: 0, tasks: {} };
  let made = 0;
  const trace = await walkExecution(
    JOB_POLLER,
    {},
    {
      async task(name) {
        countTask(walked.tasks, name);
        if (name === 'Get Job Status') {
          made += 1;
          const status = made < polls ? 'RUNNING' : succeeded ? 'SUCCEEDED' : 'FAILED';
          return { wait_time: JOB_POLLER_WAIT_SECONDS, status };
        }
        return { wait_time: JOB_POLLER_WAIT_SECONDS, status: 'SUBMITTED' };
      },
    },
  );
  addTrace(walked, trace);
  return walked;
}

function addTrace(walked: WalkedWatch, trace: ExecutionTrace): void {
  walked.transitions += trace.entered.length;
  walked.executions += 1;
  walked.maxHistoryEvents = Math.max(walked.maxHistoryEvents, trace.historyEvents);
}

// ---------------------------------------------------------------- counting DynamoDB

type Phase = 'watch request' | 'poll' | 'finalize';

interface CapacityTally {
  requests: number;
  wru: number;
  /** Of `wru`: the GSI1 copies of run-item writes. */
  gsiWru: number;
  rru: number;
}

const emptyTally = (): CapacityTally => ({ requests: 0, wru: 0, gsiWru: 0, rru: 0 });

/**
 * A document client that asks dynalite for the consumed capacity of every request and adds it to
 * the current phase's tally. dynalite reports the table's units (item size rounded up to 1 KB for
 * writes, 4 KB for reads, half for eventually consistent reads). Added here: a write to a run item
 * writes its copy in GSI1 too (projection ALL), as many units again; a failed conditional write
 * still costs a write (taken as 1 WRU: dynalite reports nothing for it).
 */
function countingDocuments(base: DynamoDBClient) {
  const documents = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const tallies = new Map<string, CapacityTally>();
  let phase = 'idle';
  const tallyOf = (name: string) => {
    let tally = tallies.get(name);
    if (tally === undefined) {
      tally = emptyTally();
      tallies.set(name, tally);
    }
    return tally;
  };
  const send = documents.send.bind(documents) as (command: Json) => Promise<Json>;
  (documents as unknown as { send: (command: Json) => Promise<Json> }).send = async (command: Json) => {
    const isWrite = command instanceof PutCommand || command instanceof UpdateCommand;
    const isRead =
      command instanceof GetCommand || command instanceof QueryCommand || command instanceof ScanCommand;
    if (!isWrite && !isRead) throw new Error(`uncounted DynamoDB command ${command.constructor.name}`);
    const input = command.input as Json;
    input.ReturnConsumedCapacity = 'TOTAL';
    const onRunItem = input.Key?.SK === 'RUN' || input.Item?.SK === 'RUN';
    const tally = tallyOf(phase);
    tally.requests += 1;
    try {
      const output = await send(command);
      const units = Number(output.ConsumedCapacity?.CapacityUnits);
      if (!Number.isFinite(units)) throw new Error('dynalite reported no consumed capacity');
      if (isWrite) {
        tally.wru += onRunItem ? 2 * units : units;
        if (onRunItem) tally.gsiWru += units;
      } else tally.rru += units;
      return output;
    } catch (error) {
      if (isWrite && (error as Error).name === 'ConditionalCheckFailedException') tally.wru += 1;
      throw error;
    }
  };
  return {
    documents,
    setPhase(next: string) {
      phase = next;
    },
    take(name: string): CapacityTally {
      const tally = tallyOf(name);
      tallies.set(name, emptyTally());
      return tally;
    },
  };
}

// ---------------------------------------------------------------- the sample through the real code

/** Runs per kind of scenario that go through the real code on dynalite. */
const SAMPLE_PER_KIND = 20;
/** Long enough for every corpus run (3 days), so the sample watches to the end, as the simulator does. */
const SAMPLE_DEADLINE_SECONDS = 4 * 86_400;

/** Every kind equally, runs evenly spaced through the corpus (its order is random already). */
function stratifiedSample(corpus: readonly Scenario[], perKind: number): Scenario[] {
  const byKind = new Map<string, Scenario[]>();
  for (const scenario of corpus) {
    const kind = kindOf(scenario);
    byKind.set(kind, [...(byKind.get(kind) ?? []), scenario]);
  }
  return [...byKind.keys()].sort().flatMap((kind) => {
    const members = byKind.get(kind) ?? [];
    const take = Math.min(perKind, members.length);
    return Array.from(
      { length: take },
      (_, i) => members[Math.floor((i * members.length) / take)] as Scenario,
    );
  });
}

/** What NineData would answer for a corpus scenario at the clock's time, in its wire shape. */
function upstreamOf(execId: string, taskId: string, scenario: Scenario, now: Date): UpstreamRun {
  const seen = scenario.observe((now.getTime() - scenario.createdAtMs) / 1000);
  const half = seen.total === null ? null : seen.total / 2;
  const source = seen.compared === null ? null : Math.floor(seen.compared / 2);
  const target = seen.compared === null || source === null ? null : seen.compared - source;
  const counted = seen.compared !== null;
  return {
    execId,
    taskId,
    status: seen.status,
    createdAt: new Date(scenario.createdAtMs).toISOString(),
    updatedAt: now.toISOString(),
    errorMessage: seen.status === 'failed' ? 'data comparison failed' : null,
    execType: 'manual',
    tableCount: counted ? 12 : null,
    skipTableCount: counted ? 0 : null,
    sourceTotalRows: half,
    targetTotalRows: half,
    sourceCompletedRows: source,
    targetCompletedRows: target,
    sameRows: source,
    differenceRows: counted ? 0 : null,
    onlySourceRows: counted ? 0 : null,
    onlyTargetRows: counted ? 0 : null,
  };
}

function scenarioNineData(
  runs: Map<string, { scenario: Scenario; taskId: string }>,
  clock: Clock,
): NineDataApi {
  const unused = async (): Promise<never> => {
    throw new Error('the cost sample only reads runs');
  };
  return {
    async getRun(execId) {
      const run = runs.get(execId);
      if (run === undefined) throw new Error(`no scenario for run ${execId}`);
      return upstreamOf(execId, run.taskId, run.scenario, clock.now());
    },
    getTask: unused,
    startRun: unused,
    stopTask: unused,
    getTableSummary: unused,
  };
}

class CountingPublisher implements ResultPublisher {
  published = 0;
  async publish(_message: PublishedMessage): Promise<void> {
    this.published += 1;
  }
}

/** A recording WatchStarter: the state the watch request starts the execution with. */
class CapturingStarter {
  started: WatchState | null = null;
  async start(_executionName: string, state: WatchState): Promise<void> {
    this.started = state;
  }
}

interface SampledRun {
  id: string;
  kind: string;
  simulatedPolls: number;
  polls: number;
  executions: number;
  transitions: number;
  /** Transitions the corpus walk (walkOurs) gives for the same number of polls. */
  walkedTransitions: number;
  publishes: number;
  capacity: Record<Phase, CapacityTally>;
}

interface WiredWatch {
  clock: ManualClock;
  definition: AslDefinition;
  requestWatch(execId: string): Promise<WatchState>;
  poll(state: unknown): Promise<unknown>;
  finalize(state: unknown): Promise<unknown>;
}

/**
 * Walks one watch through the synthesized definition with the real handlers: the watch request
 * (POST /runs/{execId}/watch through the lookup handler), then Poll, Decide, Wait … Finalize,
 * successors included. Each Wait moves the manual clock. `around` wraps every task call.
 */
async function watchOnce(
  wired: WiredWatch,
  execId: string,
  around: <T>(phase: Phase, work: () => Promise<T>) => Promise<T>,
): Promise<{ polls: number; executions: number; transitions: number }> {
  const first = await around('watch request', () => wired.requestWatch(execId));
  let polls = 0;
  let executions = 0;
  let transitions = 0;
  const pending: unknown[] = [first];
  for (let input = pending.shift(); input !== undefined; input = pending.shift()) {
    const trace = await walkExecution(wired.definition, input, {
      async task(name, state) {
        if (name === WATCH_STATES.poll) {
          polls += 1;
          return around('poll', () => wired.poll(state));
        }
        if (name === WATCH_STATES.finalize) return around('finalize', () => wired.finalize(state));
        if (name === WATCH_STATES.handOver) {
          pending.push(JSON.parse(JSON.stringify(state)));
          return {};
        }
        throw new Error(`no handler for task state ${name}`);
      },
      wait: (_name, seconds) => wired.clock.advance(seconds * 1000),
    });
    executions += 1;
    transitions += trace.entered.length;
    if (trace.status !== 'SUCCEEDED')
      throw new Error(`watch of ${execId} failed: ${JSON.stringify(trace.output)}`);
  }
  return { polls, executions, transitions };
}

function wire(
  facts: StackFacts,
  clock: ManualClock,
  deps: { runs: DynamoRunStore; nineData: NineDataApi; publisher: ResultPublisher },
): WiredWatch {
  const starter = new CapturingStarter();
  const lookup = createLookupHandler({
    runs: deps.runs,
    nineData: deps.nineData,
    clock,
    freshSeconds: 10,
    watches: starter,
    settings: { deadlineSeconds: SAMPLE_DEADLINE_SECONDS },
    log: silentLog,
    metrics: noMetrics,
    credentialsHint: 'the bench',
  });
  const poll = createPollHandler({
    runs: deps.runs,
    nineData: deps.nineData,
    clock,
    policy: facts.policy,
    historyGuardPolls: facts.historyGuardPolls,
    log: silentLog,
    metrics: noMetrics,
  });
  const finalize = createFinalizeHandler({
    runs: deps.runs,
    publisher: deps.publisher,
    clock,
    apiUrl: 'https://api.example.com',
    log: silentLog,
    metrics: noMetrics,
  });
  return {
    clock,
    definition: facts.definition,
    async requestWatch(execId) {
      starter.started = null;
      const response = await lookup(apiEvent({ method: 'POST', path: `/runs/${execId}/watch` }));
      if (response.statusCode !== 202 || starter.started === null)
        throw new Error(`watch request for ${execId} answered ${response.statusCode}: ${response.body}`);
      return starter.started;
    },
    poll: (state) => poll(state as Parameters<typeof poll>[0]),
    finalize: (state) => finalize(state as Parameters<typeof finalize>[0]),
  };
}

async function runSample(facts: StackFacts, sample: readonly Scenario[]): Promise<SampledRun[]> {
  const clock = new ManualClock();
  const standIns = await startStandIns(clock);
  try {
    const counting = countingDocuments(standIns.dynamo.client);
    const { store } = await standIns.newStore({ documents: counting.documents });
    const runs = new Map<string, { scenario: Scenario; taskId: string }>();
    const publisher = new CountingPublisher();
    const wired = wire(facts, clock, { runs: store, nineData: scenarioNineData(runs, clock), publisher });
    const kinds = [...new Set(sample.map(kindOf))].sort();
    const results: SampledRun[] = [];
    for (const [index, scenario] of sample.entries()) {
      const execId = String(700_001 + index);
      // One task per kind: finalize finds earlier runs of the task, as for a nightly check.
      runs.set(execId, { scenario, taskId: `cd-benchcost${kinds.indexOf(kindOf(scenario))}` });
      clock.set(new Date(scenario.createdAtMs + scenario.watchStartSeconds * 1000));
      const publishedBefore = publisher.published;
      const watched = await watchOnce(wired, execId, async (phase, work) => {
        counting.setPhase(phase);
        return work();
      });
      const simulatedPolls = simulateWatch(scenario, pollPolicyStrategy(facts.policy).create()).polls;
      results.push({
        id: scenario.id,
        kind: kindOf(scenario),
        simulatedPolls,
        polls: watched.polls,
        executions: watched.executions,
        transitions: watched.transitions,
        walkedTransitions: (await walkOurs(facts.definition, watched.polls, facts.historyGuardPolls))
          .transitions,
        publishes: publisher.published - publishedBefore,
        capacity: {
          'watch request': counting.take('watch request'),
          poll: counting.take('poll'),
          finalize: counting.take('finalize'),
        },
      });
    }
    return results;
  } finally {
    await standIns.close();
  }
}

// ---------------------------------------------------------------- handler durations

/** Watches measured against the sandbox; the first ones warm up and are dropped. */
const DURATION_WATCHES = 24;
const DURATION_WARMUP_WATCHES = 3;

interface Durations {
  watchRequestMs: number[];
  pollMs: number[];
  finalizeMs: number[];
  /** `getRun` of the NineData client alone: the job-poller's status Lambda does this much. */
  fetchOnlyMs: number[];
}

/**
 * The handlers against dynalite and the sandbox over loopback, in this process. A proxy for the
 * billed duration: no Lambda runtime, and loopback instead of the network to DynamoDB and NineData.
 */
async function measureDurations(facts: StackFacts): Promise<Durations> {
  const clock = new ManualClock();
  const standIns = await startStandIns(clock);
  try {
    const { store } = await standIns.newStore();
    const wired = wire(facts, clock, {
      runs: store,
      nineData: standIns.nineData,
      publisher: new CountingPublisher(),
    });
    const durations: Durations = { watchRequestMs: [], pollMs: [], finalizeMs: [], fetchOnlyMs: [] };
    for (let i = 0; i < DURATION_WATCHES; i += 1) {
      const keep = i >= DURATION_WARMUP_WATCHES;
      const execId = standIns.sandbox.addRun({
        taskId: 'cd-benchcost',
        durationSeconds: 90,
        startingSeconds: 5,
        sourceRows: 2_000_000,
      });
      await watchOnce(wired, execId, async (phase, work) => {
        if (phase === 'poll') {
          // Interleaved with the polls: the same moment of the same run, without the store.
          const fetch = await timed(() => standIns.nineData.getRun(execId));
          if (keep) durations.fetchOnlyMs.push(fetch.ms);
        }
        const { ms, result } = await timed(work);
        if (keep) {
          const list =
            phase === 'poll'
              ? durations.pollMs
              : phase === 'finalize'
                ? durations.finalizeMs
                : durations.watchRequestMs;
          list.push(ms);
        }
        return result;
      });
    }
    return durations;
  } finally {
    await standIns.close();
  }
}

/** The billed duration of a typical invocation: the median, rounded up to Lambda's 1 ms. */
const billedMs = (values: readonly number[]) => Math.ceil(percentile(values, 50));

// ---------------------------------------------------------------- the benchmark

interface DesignCost {
  design: string;
  units: Record<PriceKey, number>;
}

function usd(units: Record<PriceKey, number>, prices: Record<PriceKey, PriceLine>): Record<PriceKey, number> {
  return Object.fromEntries(
    Object.entries(units).map(([key, value]) => [key, value * prices[key as PriceKey].usdPerUnit]),
  ) as Record<PriceKey, number>;
}

const COMPONENTS: readonly { key: PriceKey; label: string }[] = [
  { key: 'stepFunctionsStandardTransition', label: 'Step Functions transitions' },
  { key: 'lambdaRequest', label: 'Lambda requests' },
  { key: 'lambdaArmGbSecond', label: 'Lambda GB-s' },
  { key: 'dynamoDbOnDemandWrite', label: 'DynamoDB WRU' },
  { key: 'dynamoDbOnDemandRead', label: 'DynamoDB RRU' },
  { key: 'snsStandardPublish', label: 'SNS publishes' },
];

const sumOf = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0);

export async function runCostBenchmark(): Promise<BenchSection> {
  const prices = loadPrices();
  const facts = stackFacts();
  const corpus = buildCorpus();
  const perThousand = 1000 / corpus.length;

  // Polls per run on the simulated clock: the policy as configured, and the sample's fixed 60 s.
  const ourPolls = corpus.map((s) => simulateWatch(s, pollPolicyStrategy(facts.policy).create()).polls);
  const pollerPolls = corpus.map(
    (s) => simulateWatch(s, fixedInterval(JOB_POLLER_WAIT_SECONDS).create()).polls,
  );

  const ourWalks: WalkedWatch[] = [];
  for (const polls of ourPolls)
    ourWalks.push(await walkOurs(facts.definition, polls, facts.historyGuardPolls));
  const pollerWalks: WalkedWatch[] = [];
  for (const [i, polls] of pollerPolls.entries())
    pollerWalks.push(await walkJobPoller(polls, (corpus[i] as Scenario).ending === 'success'));

  // DynamoDB and SNS through the real code on a sample, extrapolated per kind.
  const sample = await runSample(facts, stratifiedSample(corpus, SAMPLE_PER_KIND));
  const perKind = new Map<
    string,
    { fixedWru: number; fixedRru: number; wruPerPoll: number; rruPerPoll: number }
  >();
  for (const kind of new Set(sample.map((r) => r.kind))) {
    const runs = sample.filter((r) => r.kind === kind);
    const polls = sumOf(runs.map((r) => r.polls));
    const fixed = (pick: (t: CapacityTally) => number) =>
      mean(runs.map((r) => pick(r.capacity['watch request']) + pick(r.capacity.finalize)));
    perKind.set(kind, {
      fixedWru: fixed((t) => t.wru),
      fixedRru: fixed((t) => t.rru),
      wruPerPoll: sumOf(runs.map((r) => r.capacity.poll.wru)) / polls,
      rruPerPoll: sumOf(runs.map((r) => r.capacity.poll.rru)) / polls,
    });
  }
  const extrapolate = (pick: 'wru' | 'rru') =>
    sumOf(
      corpus.map((scenario, i) => {
        const k = perKind.get(kindOf(scenario));
        if (k === undefined) throw new Error(`the sample has no run of kind ${kindOf(scenario)}`);
        const polls = ourPolls[i] as number;
        return pick === 'wru' ? k.fixedWru + k.wruPerPoll * polls : k.fixedRru + k.rruPerPoll * polls;
      }),
    );
  const publishesPerRun = mean(sample.map((r) => r.publishes));

  const durations = await measureDurations(facts);
  const ms = {
    watchRequest: billedMs(durations.watchRequestMs),
    poll: billedMs(durations.pollMs),
    finalize: billedMs(durations.finalizeMs),
    fetchOnly: billedMs(durations.fetchOnlyMs),
  };
  const gb = (mb: number) => mb / 1024;

  const ourTasks = (state: string) => sumOf(ourWalks.map((w) => w.tasks[state] ?? 0));
  const ours: DesignCost = {
    design: 'compare-watch',
    units: {
      stepFunctionsStandardTransition: sumOf(ourWalks.map((w) => w.transitions)) * perThousand,
      // The watch request (lookup Lambda) starts each watch; polls and finalizes are Task states.
      lambdaRequest:
        (corpus.length + ourTasks(WATCH_STATES.poll) + ourTasks(WATCH_STATES.finalize)) * perThousand,
      lambdaArmGbSecond:
        ((corpus.length * gb(facts.memoryMb.lookup) * ms.watchRequest +
          ourTasks(WATCH_STATES.poll) * gb(facts.memoryMb.poll) * ms.poll +
          ourTasks(WATCH_STATES.finalize) * gb(facts.memoryMb.finalize) * ms.finalize) /
          1000) *
        perThousand,
      dynamoDbOnDemandWrite: extrapolate('wru') * perThousand,
      dynamoDbOnDemandRead: extrapolate('rru') * perThousand,
      snsStandardPublish: corpus.length * publishesPerRun * perThousand,
    },
  };
  const pollerInvocations = sumOf(pollerWalks.map((w) => sumOf(Object.values(w.tasks))));
  const jobPoller: DesignCost = {
    design: 'job-poller (60 s)',
    units: {
      stepFunctionsStandardTransition: sumOf(pollerWalks.map((w) => w.transitions)) * perThousand,
      lambdaRequest: pollerInvocations * perThousand,
      // Every one of its Lambdas asks for a status once: the fetch-only duration.
      lambdaArmGbSecond: ((pollerInvocations * gb(JOB_POLLER_MEMORY_MB) * ms.fetchOnly) / 1000) * perThousand,
      dynamoDbOnDemandWrite: 0,
      dynamoDbOnDemandRead: 0,
      snsStandardPublish: 0,
    },
  };
  const ourUsd = usd(ours.units, prices);
  const pollerUsd = usd(jobPoller.units, prices);
  const total = (costs: Record<PriceKey, number>, keys = COMPONENTS.map((c) => c.key)) =>
    sumOf(keys.map((k) => costs[k]));
  const likeForLike: PriceKey[] = ['stepFunctionsStandardTransition', 'lambdaRequest', 'lambdaArmGbSecond'];

  const money = (v: number) => (v === 0 ? '—' : `$${formatNumber(v)}`);
  const costTable = formatTable(
    ['per 1,000 runs', 'ours units', 'ours $', 'job-poller units', 'job-poller $', 'ours/job-poller'],
    [
      ...COMPONENTS.map(({ key, label }) => [
        label,
        formatNumber(ours.units[key]),
        money(ourUsd[key]),
        jobPoller.units[key] === 0 ? '—' : formatNumber(jobPoller.units[key]),
        money(pollerUsd[key]),
        jobPoller.units[key] === 0 ? 'n/a (none)' : formatRatio(ourUsd[key], pollerUsd[key]),
      ]),
      [
        'total',
        '',
        money(total(ourUsd)),
        '',
        money(total(pollerUsd)),
        formatRatio(total(ourUsd), total(pollerUsd)),
      ],
      [
        'total, SFN + Lambda only',
        '',
        money(total(ourUsd, likeForLike)),
        '',
        money(total(pollerUsd, likeForLike)),
        formatRatio(total(ourUsd, likeForLike), total(pollerUsd, likeForLike)),
      ],
    ],
  );

  const perRun = (values: readonly number[]) =>
    `${formatNumber(mean(values))} / ${formatNumber(percentile(values, 95))}`;
  const perRunTable = formatTable(
    ['per run: mean / p95', 'ours', 'job-poller (60 s)'],
    [
      ['polls', perRun(ourPolls), perRun(pollerPolls)],
      [
        'state transitions',
        perRun(ourWalks.map((w) => w.transitions)),
        perRun(pollerWalks.map((w) => w.transitions)),
      ],
      ['executions', perRun(ourWalks.map((w) => w.executions)), perRun(pollerWalks.map((w) => w.executions))],
      [
        'history events, largest execution',
        perRun(ourWalks.map((w) => w.maxHistoryEvents)),
        perRun(pollerWalks.map((w) => w.maxHistoryEvents)),
      ],
    ],
  );

  const transitionsPerPoll =
    (await walkOurs(facts.definition, 3, facts.historyGuardPolls)).transitions -
    (await walkOurs(facts.definition, 2, facts.historyGuardPolls)).transitions;
  const overLimit = pollerWalks.filter((w) => w.maxHistoryEvents > HISTORY_EVENT_LIMIT).length;
  const eventsPerPoll =
    (await walkJobPoller(3, true)).maxHistoryEvents - (await walkJobPoller(2, true)).maxHistoryEvents;
  const pollerLimitHours = ((HISTORY_EVENT_LIMIT / eventsPerPoll) * JOB_POLLER_WAIT_SECONDS) / 3600;
  const overDeadline = corpus.filter(
    (s) => s.endSeconds - s.watchStartSeconds > facts.deadlineSeconds,
  ).length;

  const sampleByKind = formatTable(
    ['sample (real code on dynalite)', 'runs', 'polls', 'WRU/poll', 'RRU/poll', 'WRU+RRU start & finalize'],
    [...perKind.entries()]
      .sort()
      .map(([kind, k]) => [
        kind,
        String(sample.filter((r) => r.kind === kind).length),
        String(sumOf(sample.filter((r) => r.kind === kind).map((r) => r.polls))),
        formatNumber(k.wruPerPoll),
        formatNumber(k.rruPerPoll),
        `${formatNumber(k.fixedWru)} + ${formatNumber(k.fixedRru)}`,
      ]),
  );
  // The hand-over waits as a poll would, so the real watch should make exactly the simulator's polls.
  const phases: Phase[] = ['watch request', 'poll', 'finalize'];
  const sampleWru = sumOf(sample.flatMap((r) => phases.map((p) => r.capacity[p].wru)));
  const gsiShare = sumOf(sample.flatMap((r) => phases.map((p) => r.capacity[p].gsiWru))) / sampleWru;
  const pollsAgree = sample.filter((r) => r.polls === r.simulatedPolls).length;
  const handOvers = sumOf(sample.map((r) => r.executions - 1));
  const transitionsAgree = sample.filter((r) => r.transitions === r.walkedTransitions).length;
  const durationTable = formatTable(
    ['handler (in-process, loopback)', 'n', 'p50 ms', 'p99 ms', 'billed ms', 'memory MB'],
    [
      ['watch request (lookup)', durations.watchRequestMs, ms.watchRequest, facts.memoryMb.lookup] as const,
      ['poll', durations.pollMs, ms.poll, facts.memoryMb.poll] as const,
      ['finalize', durations.finalizeMs, ms.finalize, facts.memoryMb.finalize] as const,
      ['job-poller status (getRun only)', durations.fetchOnlyMs, ms.fetchOnly, JOB_POLLER_MEMORY_MB] as const,
    ].map(([label, values, billed, memory]) => [
      label,
      String(values.length),
      formatNumber(percentile(values, 50)),
      formatNumber(percentile(values, 99)),
      String(billed),
      String(memory),
    ]),
  );

  const notes = [
    `${corpus.length} corpus runs (seed ${DEFAULT_CORPUS_SEED}); polls from the simulated clock (poll policy ` +
      `${facts.policy.minSeconds}–${facts.policy.maxSeconds} s vs fixed ${JOB_POLLER_WAIT_SECONDS} s).`,
    `State transitions walked along the synthesized definition: ${transitionsPerPoll} per further poll, ` +
      `hand-over every ${facts.historyGuardPolls} polls; the job-poller sample's definition: ` +
      `${(await walkJobPoller(3, true)).transitions - (await walkJobPoller(2, true)).transitions} per poll plus Submit Job and the final state.`,
    `Sample: ${sample.length} runs through the real watch request, poll and finalize code on dynalite; ` +
      `${pollsAgree}/${sample.length} made exactly the simulator's polls (${handOvers} hand-overs among them), ` +
      `${transitionsAgree}/${sample.length} ` +
      'the transitions of the corpus walk. Capacity as dynalite reports it, plus GSI1 copies of run-item writes ' +
      `(${formatNumber(gsiShare * 100)} % of the sample's WRU: every run-item update is copied to the task index).`,
    `Job-poller history: ${eventsPerPoll} events per poll, so one execution hits ${HISTORY_EVENT_LIMIT} events ` +
      `after ~${formatNumber(pollerLimitHours)} h at ${JOB_POLLER_WAIT_SECONDS} s: ${overLimit} of ${corpus.length} corpus runs ` +
      `would fail there (ours: largest execution ${Math.max(...ourWalks.map((w) => w.maxHistoryEvents))} events).`,
    `${overDeadline} corpus runs outlast the default ${facts.deadlineSeconds / 3600} h watch deadline; priced as ` +
      'watched to the end (the deadline is configurable up to a year).',
    'Not counted: free tiers, CloudWatch Logs/X-Ray/metrics, Secrets Manager (cached per cold start), SNS deliveries, ' +
      'cold starts, data transfer, storage. Lambda ms are in-process on loopback: real DynamoDB and NineData latency ' +
      'would raise both designs’ GB-s.',
  ];

  return {
    name: 'cost',
    title: 'Cost per 1,000 watched runs (us-east-1 list prices)',
    text: [costTable, perRunTable, sampleByKind, durationTable, notes.map((n) => `- ${n}`).join('\n')].join(
      '\n\n',
    ),
    data: {
      corpus: { seed: DEFAULT_CORPUS_SEED, runs: corpus.length },
      stack: {
        memoryMb: facts.memoryMb,
        historyGuardPolls: facts.historyGuardPolls,
        policy: facts.policy,
        deadlineSeconds: facts.deadlineSeconds,
        transitionsPerPoll,
      },
      prices,
      perThousandRuns: {
        ours: { units: ours.units, usd: ourUsd, totalUsd: total(ourUsd) },
        jobPoller: { units: jobPoller.units, usd: pollerUsd, totalUsd: total(pollerUsd) },
        ratioTotal: total(ourUsd) / total(pollerUsd),
        ratioSfnLambda: total(ourUsd, likeForLike) / total(pollerUsd, likeForLike),
      },
      jobPollerHistory: { eventsPerPoll, limitHours: pollerLimitHours, runsOverLimit: overLimit },
      runsOverDefaultDeadline: overDeadline,
      sample: {
        runs: sample.length,
        perKind: Object.fromEntries(perKind),
        pollsAgreeWithSimulator: pollsAgree,
        transitionsAgreeWithWalk: transitionsAgree,
        publishesPerRun,
        gsiShareOfWru: gsiShare,
      },
      durationsMs: {
        billed: ms,
        p50: {
          watchRequest: percentile(durations.watchRequestMs, 50),
          poll: percentile(durations.pollMs, 50),
          finalize: percentile(durations.finalizeMs, 50),
          fetchOnly: percentile(durations.fetchOnlyMs, 50),
        },
        p99: {
          watchRequest: percentile(durations.watchRequestMs, 99),
          poll: percentile(durations.pollMs, 99),
          finalize: percentile(durations.finalizeMs, 99),
          fetchOnly: percentile(durations.fetchOnlyMs, 99),
        },
      },
    },
  };
}
