import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_FAILURE_CLASSES, UPSTREAM_OPERATIONS } from '../../lib/operations';
import { type Json, type Synthesized, synthesize } from './synth';

describe('operations', () => {
  let s: Synthesized;
  let alarms: Record<string, Json>;
  const alarm = (name: string): Json => {
    const found = Object.values(alarms).find((a) => a.Properties.AlarmName === name);
    if (!found) throw new Error(`no alarm named ${name}`);
    return found.Properties;
  };

  beforeAll(() => {
    s = synthesize({ alarmEmails: 'oncall@example.com' });
    alarms = s.template.findResources('AWS::CloudWatch::Alarm');
  });

  it('alarms on failed and timed-out watch executions of this state machine', () => {
    const stateMachine = s.resolve(s.stack.workflow.stateMachine.stateMachineArn);

    for (const [name, metric] of [
      ['CompareWatch-watch-executions-failed', 'ExecutionsFailed'],
      ['CompareWatch-watch-executions-timed-out', 'ExecutionsTimedOut'],
    ] as const) {
      expect(alarm(name)).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: stateMachine }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('alarms on errors of each function, tolerating the ones the workflow retries', () => {
    const { lookup, poll, finalize } = s.stack.functions;
    const errorsOf = (fn: typeof lookup) => ({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: s.resolve(fn.function.functionName) }],
      Threshold: 1,
    });

    expect(alarm('CompareWatch-lookup-errors')).toMatchObject({ ...errorsOf(lookup), EvaluationPeriods: 1 });
    expect(alarm('CompareWatch-poll-errors')).toMatchObject({
      ...errorsOf(poll),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
    expect(alarm('CompareWatch-finalize-errors')).toMatchObject({
      ...errorsOf(finalize),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('alarms on the share of NineData calls failing, from every operation and failure class', () => {
    const rate = alarm('CompareWatch-ninedata-error-rate');
    const metrics: Json[] = rate.Metrics;
    const expression = metrics.find((m) => m.ReturnData !== false);
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat);

    expect(rate).toMatchObject({ Threshold: 20, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(expression.Expression).toMatch(/^IF\(.* >= 5, 100 \* .* \/ .*, 0\)$/);
    expect(stats).toHaveLength(UPSTREAM_OPERATIONS.length + UPSTREAM_FAILURE_CLASSES.length);
    expect(stats.filter((m) => m.Metric.MetricName === 'UpstreamLatency')).toEqual(
      UPSTREAM_OPERATIONS.map((operation) => ({
        Metric: {
          Namespace: 'CompareWatch',
          MetricName: 'UpstreamLatency',
          Dimensions: expect.arrayContaining([
            { Name: 'service', Value: 'compare-watch' },
            { Name: 'operation', Value: operation },
          ]),
        },
        Period: 300,
        Stat: 'SampleCount',
      })),
    );
    expect(
      stats.filter((m) => m.Metric.MetricName === 'UpstreamErrors').map((m) => m.Metric.Dimensions),
    ).toEqual(
      UPSTREAM_FAILURE_CLASSES.map((errorClass) =>
        expect.arrayContaining([
          { Name: 'service', Value: 'compare-watch' },
          { Name: 'class', Value: errorClass },
        ]),
      ),
    );
  });

  it('counts every NineData API operation the client calls', () => {
    expect(UPSTREAM_OPERATIONS).toEqual(
      expect.arrayContaining(['queryTaskExecInfo', 'queryTaskById', 'execute', 'now', 'tableSummary']),
    );
  });

  it('alarms as soon as NineData rejects our credentials', () => {
    expect(alarm('CompareWatch-ninedata-credentials-rejected')).toMatchObject({
      Namespace: 'CompareWatch',
      MetricName: 'UpstreamErrors',
      Dimensions: expect.arrayContaining([{ Name: 'class', Value: 'NineDataAuthRejected' }]),
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });

  it('notifies the encrypted alarm topic on alarm and on recovery', () => {
    const topic = s.resolve(s.stack.operations.alarmTopic.topicArn);

    for (const { Properties } of Object.values(alarms)) {
      expect(Properties.AlarmActions).toEqual([topic]);
      expect(Properties.OKActions).toEqual([topic]);
    }
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'compare-watch alarms',
      KmsMasterKeyId: s.resolve(s.stack.topic.masterKey?.keyArn),
    });
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: topic,
    });
  });

  it('lets CloudWatch use the topic key, so alarms can publish to the encrypted topic', () => {
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('draws watches running, polls, outcomes, upstream latency and errors on one dashboard', () => {
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard')) as Json[];
    // The body is a JSON document joined around tokens (region, ARNs), which sit inside its strings.
    const parts: unknown[] = dashboard.Properties.DashboardBody['Fn::Join'][1];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
    const graph = (title: string): string => {
      const widget = body.widgets.find((w: Json) => w.properties.title === title);
      if (!widget) throw new Error(`no widget titled ${title}`);
      return JSON.stringify(widget.properties.metrics);
    };
    const search = (schema: string, metric: string, statistic: string) =>
      JSON.stringify(
        `SEARCH('{CompareWatch,${schema}} service="compare-watch" MetricName="${metric}"', '${statistic}', 300)`,
      );

    expect(dashboard.Properties.DashboardName).toBe('CompareWatch-operations');
    expect(graph('Watches running')).toContain('RUNNING_SUM(FILL(started, 0) - FILL(succeeded, 0)');
    expect(graph('Polls by decision')).toContain(search('decision,service', 'Polls', 'Sum'));
    expect(graph('Outcomes')).toContain(search('outcome,service', 'Outcomes', 'Sum'));
    expect(graph('NineData latency p90 (ms) by operation')).toContain(
      search('operation,service', 'UpstreamLatency', 'p90'),
    );
    expect(graph('NineData errors by class')).toContain(search('class,service', 'UpstreamErrors', 'Sum'));
  });
});
