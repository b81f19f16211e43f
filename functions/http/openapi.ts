/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json. A test checks that it
 * lists exactly the routes the router serves.
 */
import { COUNT_KEYS } from '../core/run-view';

const nullable = (schema: Record<string, unknown>) => ({ oneOf: [schema, { type: 'null' }] });
const count = nullable({ type: 'integer', minimum: 0 });
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const execIdParameter = {
  name: 'execId',
  in: 'path',
  required: true,
  description: "NineData's id of a comparison run",
  schema: { type: 'string', pattern: '^[0-9]{1,20}$' },
  example: '315337',
};
const taskIdParameter = {
  name: 'taskId',
  in: 'path',
  required: true,
  description: "NineData's id of a comparison task",
  schema: { type: 'string', pattern: '^[A-Za-z]+-[a-z0-9]+$', maxLength: 64 },
  example: 'cd-tepmjmnj6o',
};
const pageParameters = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  {
    name: 'cursor',
    in: 'query',
    description: 'The `cursor` of the previous page, unchanged',
    schema: { type: 'string', maxLength: 2048 },
  },
];

const upstreamErrors = {
  '502': problem('NineData rejected our credentials, or answered with something unreadable'),
  '503': problem('NineData is unavailable; retry after Retry-After seconds'),
  '504': problem('NineData did not answer in time'),
};

const watchResponses = {
  '200': {
    description: 'A watch is already running, or the run is final and its result was sent',
    content: json('WatchAnswer'),
  },
  '202': { description: 'A watch started', content: json('WatchAnswer') },
  '400': problem('Invalid id or body'),
  '404': problem('NineData does not know the run or task'),
  '415': problem('A body that is not JSON'),
  ...upstreamErrors,
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'compare-watch',
    version: '1.0.0',
    description:
      'Look up NineData data-comparison runs and tasks, start runs, and have runs watched until they finish. ' +
      'Errors are RFC 9457 problem details. Deployed, every route requires AWS SigV4 (IAM) authorization.',
  },
  paths: {
    '/runs/{execId}': {
      get: {
        operationId: 'getRun',
        summary: 'The view of a run: from the store when final or fresh, otherwise live from NineData',
        parameters: [
          execIdParameter,
          {
            name: 'refresh',
            in: 'query',
            description: 'true asks NineData even when the stored view is fresh',
            schema: { type: 'string', enum: ['true', 'false'] },
          },
        ],
        responses: {
          '200': { description: 'The run', content: json('RunAnswer') },
          '400': problem('Invalid execId or query'),
          '404': problem('NineData does not know the run'),
          ...upstreamErrors,
        },
      },
    },
    '/runs/{execId}/snapshots': {
      get: {
        operationId: 'listSnapshots',
        summary: "The run's history: its view at each moment something changed, newest first",
        parameters: [execIdParameter, ...pageParameters],
        responses: {
          '200': { description: 'A page of snapshots', content: json('SnapshotPage') },
          '400': problem('Invalid execId, limit or cursor'),
          '404': problem('The run has no history here'),
        },
      },
    },
    '/runs/{execId}/watch': {
      post: {
        operationId: 'watchRun',
        summary: 'Watch the run until it is final, then publish its result to the topic',
        parameters: [execIdParameter],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
        },
        responses: watchResponses,
      },
    },
    '/tasks/{taskId}': {
      get: {
        operationId: 'getTask',
        summary: "The task as NineData describes it, with its latest run's view",
        parameters: [taskIdParameter],
        responses: {
          '200': { description: 'The task', content: json('TaskAnswer') },
          '400': problem('Invalid taskId'),
          '404': problem('NineData does not know the task'),
          ...upstreamErrors,
        },
      },
    },
    '/tasks/{taskId}/watch': {
      post: {
        operationId: 'watchLatestRun',
        summary: "Watch the task's latest run",
        parameters: [taskIdParameter],
        requestBody: {
          required: false,
          content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } },
        },
        responses: { ...watchResponses, '409': problem('The task has no run yet') },
      },
    },
    '/tasks/{taskId}/runs': {
      get: {
        operationId: 'listTaskRuns',
        summary: 'Runs of the task seen by compare-watch, newest first',
        parameters: [taskIdParameter, ...pageParameters],
        responses: {
          '200': { description: 'A page of runs', content: json('RunPage') },
          '400': problem('Invalid taskId, limit or cursor'),
        },
      },
      post: {
        operationId: 'startRun',
        summary: 'Start a new comparison run in NineData and watch it',
        parameters: [taskIdParameter],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: { compareOption: { $ref: '#/components/schemas/CompareOption' } },
              },
            },
          },
        },
        responses: {
          ...watchResponses,
          '409': problem('NineData refused to start the run, e.g. the task is already running'),
          '413': problem('The body is larger than 16 KB'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        responses: { '200': { description: 'The OpenAPI description', content: { 'application/json': {} } } },
      },
    },
  },
  components: {
    schemas: {
      Counts: {
        type: 'object',
        description: 'Counts NineData did not send are null, never 0',
        properties: Object.fromEntries(COUNT_KEYS.map((name) => [name, count])),
      },
      RunView: {
        type: 'object',
        required: ['execId', 'status', 'final', 'outcome', 'counts', 'progress', 'observedAt'],
        properties: {
          execId: { type: 'string' },
          taskId: nullable({ type: 'string' }),
          status: {
            type: 'string',
            description: "NineData's status, verbatim; unknown values are kept and non-final",
          },
          final: { type: 'boolean' },
          outcome: nullable({ type: 'string', enum: ['consistent', 'inconsistent', 'failed', 'stopped'] }),
          counts: { $ref: '#/components/schemas/Counts' },
          progress: {
            type: 'object',
            properties: {
              percent: nullable({ type: 'number', minimum: 0, maximum: 100 }),
              etaSeconds: nullable({ type: 'integer', minimum: 0 }),
            },
          },
          errorMessage: nullable({ type: 'string' }),
          execType: nullable({ type: 'string' }),
          createdAt: nullable({ type: 'string', format: 'date-time' }),
          updatedAt: nullable({ type: 'string', format: 'date-time' }),
          observedAt: { type: 'string', format: 'date-time' },
        },
      },
      Watch: nullable({
        type: 'object',
        properties: {
          state: { type: 'string', enum: ['watching', 'done'] },
          attempt: { type: 'integer' },
          startedAt: { type: 'string', format: 'date-time' },
          deadline: { type: 'string', format: 'date-time' },
          polls: { type: 'integer', description: 'Polls counted at the last recorded change or hand-over' },
          outcome: nullable({
            type: 'string',
            enum: ['consistent', 'inconsistent', 'failed', 'stopped', 'timed_out', 'unreachable'],
          }),
          endedAt: nullable({ type: 'string', format: 'date-time' }),
        },
      }),
      RunAnswer: {
        allOf: [
          { $ref: '#/components/schemas/RunView' },
          {
            type: 'object',
            properties: {
              watch: { $ref: '#/components/schemas/Watch' },
              result: nullable({
                type: 'object',
                properties: { eventId: { type: 'string' }, sentAt: { type: 'string', format: 'date-time' } },
              }),
              firstSeenAt: { type: 'string', format: 'date-time' },
              source: { type: 'string', enum: ['store', 'live'] },
            },
          },
        ],
      },
      WatchAnswer: {
        allOf: [
          { $ref: '#/components/schemas/RunAnswer' },
          {
            type: 'object',
            properties: { request: { type: 'string', enum: ['started', 'watching', 'finished'] } },
          },
        ],
      },
      TaskAnswer: {
        type: 'object',
        properties: {
          task: {
            type: 'object',
            properties: {
              taskId: { type: 'string' },
              name: nullable({ type: 'string' }),
              status: nullable({ type: 'string' }),
              lastExecId: nullable({ type: 'string' }),
              isDeleted: nullable({ type: 'boolean' }),
              errorMessage: nullable({ type: 'string' }),
              createdAt: nullable({ type: 'string', format: 'date-time' }),
              type: nullable({ type: 'string' }),
              sourceDsId: nullable({ type: 'string' }),
              targetDsId: nullable({ type: 'string' }),
            },
          },
          latestRun: nullable({ $ref: '#/components/schemas/RunAnswer' }),
        },
      },
      SnapshotPage: {
        type: 'object',
        properties: {
          execId: { type: 'string' },
          snapshots: { type: 'array', items: { $ref: '#/components/schemas/RunView' } },
          cursor: nullable({ type: 'string' }),
        },
      },
      RunPage: {
        type: 'object',
        properties: {
          taskId: { type: 'string' },
          runs: { type: 'array', items: { $ref: '#/components/schemas/RunView' } },
          cursor: nullable({ type: 'string' }),
        },
      },
      CompareOption: {
        type: 'object',
        additionalProperties: false,
        description: "NineData's compareOption; the options apply only when enabled is true",
        properties: {
          enabled: { type: 'boolean' },
          parallel: { type: 'integer', minimum: 1, maximum: 1024 },
          splitNum: { type: 'string', pattern: '^[0-9]{1,12}$' },
          differSize: { type: 'string', pattern: '^[0-9]{1,12}$' },
          floatPrecision: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' },
          doublePrecision: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' },
          stringTrimStrategy: { type: 'string', enum: ['LTrim', 'RTrim', 'Trim'] },
        },
      },
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', format: 'uri' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string', description: 'What to fix, or when to retry' },
          instance: { type: 'string' },
          nineDataRequestId: nullable({ type: 'string' }),
          execId: {
            type: 'string',
            description: 'A run NineData started although its watch could not start',
          },
          invalid: {
            type: 'array',
            items: { type: 'object', properties: { at: { type: 'string' }, problem: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const;
