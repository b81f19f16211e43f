/**
 * The lookup API: every route of the HTTP API, as one API Gateway HTTP API (payload v2) handler.
 * Composed with real adapters by functions/lookup.ts and with local stand-ins by local mode.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { InvalidCursor } from '../adapters/dynamo-run-store';
import type { Log, MetricsSink, RunRecord, WatchRecord } from '../core/ports';
import { runResultEventId } from '../core/result-message';
import {
  NineDataAuthRejected,
  NineDataError,
  NineDataInvalidResponse,
  NineDataNotFound,
  NineDataRejected,
  NineDataTimeout,
  NineDataUnavailable,
} from '../ninedata/errors';
import { lookUpRun, type RunSource } from '../use-cases/look-up-run';
import {
  lookUpTask,
  RunStartedWithoutWatch,
  startAndWatchRun,
  TaskHasNoRun,
  watchLatestRun,
} from '../use-cases/tasks';
import { type WatchRequestResult, type WatchRunDeps, watchRun } from '../use-cases/watch-run';
import { OPENAPI_DOCUMENT } from './openapi';
import { HttpProblem, type ProblemInit, problemResponse } from './problem';
import {
  execIdSchema,
  noQuerySchema,
  pageQuerySchema,
  runQuerySchema,
  startRunBodySchema,
  taskIdSchema,
  watchBodySchema,
} from './requests';
import { matchRoute, type Route, type RouteResponse, route } from './router';

export interface LookupApiDeps extends WatchRunDeps {
  log: Log;
  metrics: MetricsSink;
  /** Where operators put the NineData AccessKey, named in the 502 detail when NineData rejects it. */
  credentialsHint: string;
}

export type LookupHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The watch block of a run response: what a caller needs to know about its watch. */
function watchOf(watch: WatchRecord | null) {
  if (watch === null) return null;
  return {
    state: watch.phase,
    attempt: watch.attempt,
    startedAt: watch.startedAt,
    deadline: watch.deadline,
    polls: watch.totalPolls,
    outcome: watch.outcome,
    endedAt: watch.endedAt,
  };
}

/** The result message sent for the run, if any. */
function resultOf(record: RunRecord) {
  const eventId = runResultEventId(record.view.execId);
  const notice = record.notices[eventId];
  return notice?.state === 'sent' ? { eventId, sentAt: notice.at } : null;
}

export function runResponse(record: RunRecord, source?: RunSource) {
  return {
    ...record.view,
    watch: watchOf(record.watch),
    result: resultOf(record),
    firstSeenAt: record.firstSeenAt,
    ...(source ? { source } : {}),
  };
}

function watchResponse(result: WatchRequestResult): RouteResponse {
  const execId = result.record.view.execId;
  return {
    status: result.kind === 'started' ? 202 : 200,
    headers: { location: `/runs/${execId}` },
    body: { request: result.kind, ...runResponse(result.record) },
  };
}

const execIdParams = z.strictObject({ execId: execIdSchema });
const taskIdParams = z.strictObject({ taskId: taskIdSchema });

export function lookupRoutes(deps: LookupApiDeps): Route[] {
  const answerWatch = (result: WatchRequestResult): RouteResponse => {
    deps.metrics.count('WatchRequests', { result: result.kind });
    return watchResponse(result);
  };
  return [
    route('GET', '/runs/{execId}', {
      params: execIdParams,
      query: runQuerySchema,
      async handle({ params, query }) {
        deps.log.appendKeys({ execId: params.execId });
        const { record, source } = await lookUpRun(deps, params.execId, {
          refresh: query.refresh === 'true',
        });
        deps.metrics.count('Lookups', { source });
        return { status: 200, body: runResponse(record, source) };
      },
    }),
    route('GET', '/runs/{execId}/snapshots', {
      params: execIdParams,
      query: pageQuerySchema,
      async handle({ params, query }) {
        deps.log.appendKeys({ execId: params.execId });
        const page = await deps.runs.listSnapshots(params.execId, query);
        if (
          page.snapshots.length === 0 &&
          query.cursor === undefined &&
          !(await deps.runs.getRun(params.execId))
        ) {
          throw new HttpProblem({
            status: 404,
            title: 'Not Found',
            detail: `run ${params.execId} has no history here yet; look it up with GET /runs/${params.execId} or watch it`,
          });
        }
        return {
          status: 200,
          body: { execId: params.execId, snapshots: page.snapshots, cursor: page.cursor },
        };
      },
    }),
    route('POST', '/runs/{execId}/watch', {
      params: execIdParams,
      query: noQuerySchema,
      body: watchBodySchema,
      async handle({ params }) {
        deps.log.appendKeys({ execId: params.execId });
        return answerWatch(await watchRun(deps, params.execId));
      },
    }),
    route('GET', '/tasks/{taskId}', {
      params: taskIdParams,
      query: noQuerySchema,
      async handle({ params }) {
        deps.log.appendKeys({ taskId: params.taskId });
        const { task, latestRun } = await lookUpTask(deps, params.taskId);
        return { status: 200, body: { task, latestRun: latestRun === null ? null : runResponse(latestRun) } };
      },
    }),
    route('POST', '/tasks/{taskId}/watch', {
      params: taskIdParams,
      query: noQuerySchema,
      body: watchBodySchema,
      async handle({ params }) {
        deps.log.appendKeys({ taskId: params.taskId });
        return answerWatch(await watchLatestRun(deps, params.taskId));
      },
    }),
    route('POST', '/tasks/{taskId}/runs', {
      params: taskIdParams,
      query: noQuerySchema,
      body: startRunBodySchema,
      async handle({ params, body }) {
        deps.log.appendKeys({ taskId: params.taskId });
        const result = await startAndWatchRun(deps, params.taskId, body.compareOption);
        deps.log.info('started a run', { execId: result.record.view.execId });
        deps.metrics.count('RunsStarted');
        return watchResponse(result);
      },
    }),
    route('GET', '/tasks/{taskId}/runs', {
      params: taskIdParams,
      query: pageQuerySchema,
      async handle({ params, query }) {
        deps.log.appendKeys({ taskId: params.taskId });
        const page = await deps.runs.listTaskRuns(params.taskId, query);
        return { status: 200, body: { taskId: params.taskId, runs: page.runs, cursor: page.cursor } };
      },
    }),
    route('GET', '/openapi.json', {
      params: z.strictObject({}),
      query: noQuerySchema,
      async handle() {
        return { status: 200, body: OPENAPI_DOCUMENT, headers: { 'cache-control': 'public, max-age=300' } };
      },
    }),
  ];
}

/** Maps what a use case threw to the problem a caller should see, and the metric class. */
export function problemOf(error: unknown, credentialsHint: string): ProblemInit {
  if (error instanceof HttpProblem) return error.init;
  if (error instanceof RunStartedWithoutWatch) {
    const cause = problemOf(error.cause, credentialsHint);
    const status = cause.status >= 500 ? cause.status : 503;
    return {
      ...cause,
      status,
      title: status === 503 ? 'Service Unavailable' : cause.title,
      detail:
        `NineData started run ${error.execId}, but its watch could not start (${cause.detail}). ` +
        `Do not start another run: watch this one with POST /runs/${error.execId}/watch.`,
      extensions: { ...cause.extensions, execId: error.execId },
      retryAfterSeconds: cause.retryAfterSeconds ?? 5,
    };
  }
  if (error instanceof InvalidCursor) return { status: 400, title: 'Bad Request', detail: error.message };
  if (error instanceof TaskHasNoRun) {
    return {
      status: 409,
      title: 'Conflict',
      detail: `task ${error.taskId} has no run yet; start one with POST /tasks/${error.taskId}/runs`,
    };
  }
  if (error instanceof NineDataError) {
    const extensions = { nineDataRequestId: error.requestId };
    if (error instanceof NineDataNotFound) {
      return {
        status: 404,
        title: 'Not Found',
        detail: `NineData does not know it: ${error.upstreamMessage ?? error.message}`,
        extensions,
      };
    }
    if (error instanceof NineDataAuthRejected) {
      return {
        status: 502,
        title: 'Bad Gateway',
        detail: `NineData rejected compare-watch's credentials: check the AccessKey ID and SecretKey in ${credentialsHint}, and that the AccessKey is enabled in the NineData console`,
        extensions,
      };
    }
    if (error instanceof NineDataTimeout) {
      return {
        status: 504,
        title: 'Gateway Timeout',
        detail: 'NineData did not answer in time; retry shortly',
        extensions,
        retryAfterSeconds: 5,
      };
    }
    if (error instanceof NineDataUnavailable) {
      return {
        status: 503,
        title: 'Service Unavailable',
        detail: 'NineData is unavailable right now; retry after the number of seconds in Retry-After',
        extensions,
        retryAfterSeconds: error.retryAfterSeconds ?? 5,
      };
    }
    if (error instanceof NineDataRejected) {
      return {
        status: 409,
        title: 'Conflict',
        detail: `NineData refused the request: ${error.upstreamMessage ?? error.message}`,
        extensions,
      };
    }
    if (error instanceof NineDataInvalidResponse) {
      return {
        status: 502,
        title: 'Bad Gateway',
        detail:
          'NineData answered with something compare-watch could not read; retry later, and report it with the requestId if it persists',
        extensions,
      };
    }
  }
  return {
    status: 503,
    title: 'Service Unavailable',
    detail: 'compare-watch could not complete the request; retry shortly',
    retryAfterSeconds: 5,
  };
}

export function createLookupHandler(deps: LookupApiDeps): LookupHandler {
  const routes = lookupRoutes(deps);
  return async (event) => {
    const started = Date.now();
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? '/';
    deps.log.resetKeys();
    let response: APIGatewayProxyStructuredResultV2;
    try {
      const { route: matched, params } = matchRoute(routes, method, path);
      const result = await matched.handle(event, params);
      response = {
        statusCode: result.status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...result.headers },
        body: JSON.stringify(result.body),
      };
    } catch (error) {
      const problem = problemOf(error, deps.credentialsHint);
      // NineData failures are counted per attempt by the client's metrics hook, not here again.
      if (error instanceof NineDataError) deps.log.appendKeys({ nineDataRequestId: error.requestId });
      if (problem.status >= 500) deps.log.error('request failed', { error: describeError(error) });
      else deps.log.info('request refused', { detail: problem.detail });
      response = problemResponse(problem, path.length <= 200 ? path : undefined);
    }
    deps.log.info('request', { method, path, status: response.statusCode, durationMs: Date.now() - started });
    return response;
  };
}

/** What logs may say about an error: name, message, NineData fields; never a secret. */
function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof NineDataError) return error.toJSON();
  if (error instanceof RunStartedWithoutWatch)
    return { name: error.name, message: error.message, cause: describeError(error.cause) };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
