/**
 * Operations: alarms on what needs a person (failed or timed-out watch executions, Lambda errors,
 * NineData failing or refusing our credentials), an encrypted alarm topic they notify, and one
 * dashboard of the watch's life: watches running, polls, outcomes, upstream latency and errors.
 *
 * The functions' own metrics come from Powertools `singleMetric()` EMF lines: namespace
 * `CompareWatch`, every data point with the dimension `service=compare-watch` plus its own
 * (`Polls` by `decision`, `Outcomes` by `outcome`, `UpstreamLatency` by `operation`,
 * `UpstreamErrors` by `class`, `Lookups` by `source`, `WatchRequests` by `result`; `RunsStarted`
 * has `service` only). CloudWatch alarms cannot aggregate across dimension values, so alarms name
 * each value they sum; dashboards use SEARCH and so also show values added later.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { upstreamOperationOf } from '../functions/adapters/ninedata-metrics';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/adapters/powertools-telemetry';
import { NINEDATA_PATHS } from '../functions/ninedata/client';
import { WORKFLOW_RETRIED_ERROR_NAMES } from '../functions/ninedata/errors';

const PERIOD = Duration.minutes(5);

/** The `operation` dimension of UpstreamLatency: the last segment of the NineData API path. */
export const UPSTREAM_OPERATIONS = Object.values(NINEDATA_PATHS).map(upstreamOperationOf);

/**
 * Error classes that say NineData is unwell (down, slow, answering garbage): the ones the watch
 * workflow retries. Not found and rejected requests are callers' mistakes; rejected credentials have
 * an alarm of their own.
 */
export const UPSTREAM_FAILURE_CLASSES = WORKFLOW_RETRIED_ERROR_NAMES;

/** An alarm may use at most 10 metrics; the error-rate alarm uses one per class and per operation. */
const ALARM_METRIC_LIMIT = 10;

export interface OperationsThresholds {
  /** Percent of NineData calls failing that raises the error-rate alarm. @default 20 */
  readonly upstreamErrorPercent?: number;
  /** Fewer NineData calls than this in 5 minutes say nothing about its health. @default 5 */
  readonly upstreamMinCalls?: number;
}

export interface OperationsProps {
  /** Prefix of alarm and dashboard names, unique per account and region (the stack name). */
  readonly namePrefix: string;
  readonly stateMachine: IStateMachine;
  readonly functions: { readonly lookup: IFunction; readonly poll: IFunction; readonly finalize: IFunction };
  readonly api: HttpApi;
  /** The customer-managed key the alarm topic is encrypted with (CloudWatch is allowed to use it). */
  readonly topicKey: IKey;
  /** Addresses subscribed to the alarm topic. @default none */
  readonly alarmEmails?: readonly string[];
  readonly thresholds?: OperationsThresholds;
}

export interface OperationsAlarms {
  readonly executionsFailed: Alarm;
  readonly executionsTimedOut: Alarm;
  readonly lookupErrors: Alarm;
  readonly pollErrors: Alarm;
  readonly finalizeErrors: Alarm;
  readonly upstreamErrorRate: Alarm;
  readonly credentialsRejected: Alarm;
}

export class Operations extends Construct {
  public readonly alarmTopic: Topic;
  public readonly alarms: OperationsAlarms;
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    const errorPercent = props.thresholds?.upstreamErrorPercent ?? 20;
    const minCalls = props.thresholds?.upstreamMinCalls ?? 5;
    if (!(errorPercent > 0 && errorPercent <= 100))
      throw new Error('upstreamErrorPercent must be above 0 and at most 100');
    if (!(Number.isInteger(minCalls) && minCalls >= 1))
      throw new Error('upstreamMinCalls must be a whole number, at least 1');
    if (UPSTREAM_OPERATIONS.length + UPSTREAM_FAILURE_CLASSES.length > ALARM_METRIC_LIMIT)
      throw new Error(
        `the NineData error-rate alarm would use more than ${ALARM_METRIC_LIMIT} metrics: group operations first`,
      );

    // CloudWatch alarms publish to an encrypted topic only if its key lets CloudWatch use it.
    props.topicKey.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'compare-watch alarms',
      masterKey: props.topicKey,
      enforceSSL: true,
    });
    for (const email of props.alarmEmails ?? [])
      this.alarmTopic.addSubscription(new EmailSubscription(email));

    const { stateMachine, functions } = props;
    const sum = { period: PERIOD, statistic: Stats.SUM };
    const ours = (
      metricName: string,
      dimensions: Record<string, string> = {},
      statistic: string = Stats.SUM,
    ) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, ...dimensions },
        period: PERIOD,
        statistic,
      });

    const upstreamCalls = Object.fromEntries(
      UPSTREAM_OPERATIONS.map((operation, i) => [
        `calls${i}`,
        ours('UpstreamLatency', { operation }, Stats.SAMPLE_COUNT),
      ]),
    );
    const upstreamFailures = Object.fromEntries(
      UPSTREAM_FAILURE_CLASSES.map((errorClass, i) => [
        `errors${i}`,
        ours('UpstreamErrors', { class: errorClass }),
      ]),
    );
    const fill = (ids: string[]) => ids.map((id) => `FILL(${id}, 0)`).join(' + ');
    const callsExpr = `(${fill(Object.keys(upstreamCalls))})`;
    const failuresExpr = `(${fill(Object.keys(upstreamFailures))})`;
    const upstreamErrorRate = new MathExpression({
      label: 'NineData calls failing (%)',
      // Below the minimum volume one failed call would read as a high rate: report 0 instead.
      expression: `IF(${callsExpr} >= ${minCalls}, 100 * ${failuresExpr} / ${callsExpr}, 0)`,
      usingMetrics: { ...upstreamCalls, ...upstreamFailures },
      period: PERIOD,
    });

    const alarm = (
      key: string,
      name: string,
      description: string,
      metric: IMetric,
      options: { threshold?: number; periods?: number; datapoints?: number } = {},
    ): Alarm => {
      const created = new Alarm(this, key, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold: options.threshold ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.periods ?? 1,
        datapointsToAlarm: options.datapoints ?? options.periods ?? 1,
        // No executions, invocations or calls is a quiet period, not an outage.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.alarmTopic));
      created.addOkAction(new SnsAction(this.alarmTopic));
      return created;
    };

    this.alarms = {
      executionsFailed: alarm(
        'WatchExecutionsFailed',
        'watch-executions-failed',
        'A watch execution failed: its result could not be recorded or published (state FinalizeFailed). ' +
          'Its run has no result message; look up the execution in Step Functions and the Finalize logs.',
        stateMachine.metricFailed(sum),
      ),
      executionsTimedOut: alarm(
        'WatchExecutionsTimedOut',
        'watch-executions-timed-out',
        'A watch execution hit the state machine time-out instead of ending through its deadline: ' +
          'no result was published for that run.',
        stateMachine.metricTimedOut(sum),
      ),
      lookupErrors: alarm(
        'LookupErrors',
        'lookup-errors',
        'The lookup function crashed or timed out (it answers every handled error as problem+json, so any ' +
          'Lambda error here is unexpected); API callers got a 500 or 503.',
        functions.lookup.metricErrors(sum),
      ),
      pollErrors: alarm(
        'PollErrors',
        'poll-errors',
        'The poll function has failed in each of the last 15 minutes. It raises NineData failures on purpose ' +
          'so the workflow retries them; failing this long means watches are about to end as unreachable.',
        functions.poll.metricErrors(sum),
        { periods: 3 },
      ),
      finalizeErrors: alarm(
        'FinalizeErrors',
        'finalize-errors',
        'The finalize function has failed in each of the last 15 minutes (a single failure is retried, or ' +
          'waits for another watch holding the result); results are not being published.',
        functions.finalize.metricErrors(sum),
        { periods: 3 },
      ),
      upstreamErrorRate: alarm(
        'NineDataErrorRate',
        'ninedata-error-rate',
        `More than ${errorPercent}% of NineData calls failed (unavailable, timed out or invalid answers) in ` +
          `2 of the last 3 five-minute periods, with at least ${minCalls} calls per period.`,
        upstreamErrorRate,
        { threshold: errorPercent, periods: 3, datapoints: 2 },
      ),
      credentialsRejected: alarm(
        'NineDataCredentialsRejected',
        'ninedata-credentials-rejected',
        'NineData rejected our AccessKey: put a valid {"accessKeyId","secretKey"} into the credentials secret ' +
          '(output CredentialsSecretArn).',
        ours('UpstreamErrors', { class: 'NineDataAuthRejected' }),
      ),
    };

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${prefix}-operations`,
      defaultInterval: Duration.days(1),
    });
    const search = (schema: string, metricName: string, statistic: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${schema}} service="${SERVICE_NAME}" MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        label,
        period: PERIOD,
      });
    const started = stateMachine.metricStarted(sum);
    const ended = {
      succeeded: stateMachine.metricSucceeded(sum),
      failed: stateMachine.metricFailed(sum),
      timedOut: stateMachine.metricTimedOut(sum),
      aborted: stateMachine.metricAborted(sum),
    };
    const watchesRunning = new MathExpression({
      label: 'Watches running (net change over the time range)',
      // Step Functions publishes no per-state-machine gauge of running executions. A hand-over starts
      // one execution and ends another, so started minus ended counts watches, not executions.
      expression:
        'RUNNING_SUM(FILL(started, 0) - FILL(succeeded, 0) - FILL(failed, 0) - FILL(timedOut, 0) - FILL(aborted, 0))',
      usingMetrics: { started, ...ended },
      period: PERIOD,
    });
    const stackName = Stack.of(this).stackName;
    const lambdas = Object.entries(functions);

    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          `# compare-watch — ${stackName}\n` +
          '"Watches running" is the net of watch executions started and ended within the time range ' +
          '(Step Functions has no per-state-machine running gauge); for the exact set run ' +
          '`aws stepfunctions list-executions --state-machine-arn <WatchStateMachineArn> --status-filter RUNNING`.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Watches running',
        left: [watchesRunning],
        width: 8,
      }),
      new GraphWidget({
        title: 'Watch executions',
        left: [
          started.with({ label: 'started' }),
          ...Object.entries(ended).map(([k, m]) => m.with({ label: k })),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Outcomes',
        left: [search('outcome,service', 'Outcomes', 'Sum', '')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Polls by decision',
        left: [search('decision,service', 'Polls', 'Sum', '')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Lookups and watch requests',
        left: [
          search('service,source', 'Lookups', 'Sum', 'Lookups'),
          search('result,service', 'WatchRequests', 'Sum', 'WatchRequests'),
          ours('RunsStarted').with({ label: 'RunsStarted' }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'HTTP API',
        left: [
          props.api.metricCount(sum).with({ label: 'requests' }),
          props.api.metricClientError(sum).with({ label: '4xx' }),
          props.api.metricServerError(sum).with({ label: '5xx' }),
        ],
        right: [
          props.api.metricLatency({ period: PERIOD, statistic: Stats.p(90) }).with({ label: 'p90 ms' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'NineData latency p90 (ms) by operation',
        left: [search('operation,service', 'UpstreamLatency', 'p90', '')],
        width: 8,
      }),
      new GraphWidget({
        title: 'NineData errors by class',
        left: [search('class,service', 'UpstreamErrors', 'Sum', '')],
        width: 8,
      }),
      new GraphWidget({
        title: 'NineData calls failing (%)',
        left: [upstreamErrorRate],
        leftAnnotations: [{ value: errorPercent, label: 'alarm' }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors',
        left: lambdas.map(([name, fn]) => fn.metricErrors(sum).with({ label: name })),
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda duration p90 (ms)',
        left: lambdas.map(([name, fn]) =>
          fn.metricDuration({ period: PERIOD, statistic: Stats.p(90) }).with({ label: name }),
        ),
        width: 8,
      }),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: Object.values(this.alarms),
        width: 8,
      }),
    );
  }
}
