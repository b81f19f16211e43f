/**
 * The watch workflow: one Standard execution per watched run, written in JSONPath (which
 * aws-local-stepfunctions runs, so local mode and the tests execute this very definition).
 *
 *   Poll ─▶ Decide ─┬─ wait ─────▶ WaitBeforeNextPoll ─▶ Poll …
 *                   ├─ continue ─▶ WaitBeforeHandOver ─▶ HandOver (start successor) ─▶ HandedOver
 *                   └─ final | deadline ─▶ Finalize ─▶ WatchEnded
 *   Poll fails for good (Catch) ─────────▶ Finalize (outcome `unreachable`)
 */
import { ArnFormat, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DEFINITE_ERROR_NAMES, WORKFLOW_RETRIED_ERROR_NAMES } from '../functions/ninedata/errors';

/** State names: the local runner binds each Task to its handler by these. */
export const WATCH_STATES = {
  poll: 'Poll',
  decide: 'Decide',
  wait: 'WaitBeforeNextPoll',
  waitBeforeHandOver: 'WaitBeforeHandOver',
  handOver: 'HandOver',
  handedOver: 'HandedOver',
  finalize: 'Finalize',
  finalizeFailed: 'FinalizeFailed',
  ended: 'WatchEnded',
} as const;

/** Errors of the Lambda service itself, worth retrying like a transient NineData failure. */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

export interface WatchWorkflowProps {
  readonly pollFunction: IFunction;
  readonly finalizeFunction: IFunction;
  /** The state machine's name; fixed so the hand-over can name its own ARN without a cycle. */
  readonly stateMachineName: string;
  /** The watch deadline: an execution never lives longer than this plus a margin. */
  readonly deadline: Duration;
  /** Polls per execution before it hands over; with `maxWait`, bounds one execution's life. */
  readonly historyGuardPolls: number;
  readonly maxWait: Duration;
  readonly logGroup: ILogGroup;
}

export class WatchWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WatchWorkflowProps) {
    super(scope, id);
    if (props.historyGuardPolls < 2) throw new Error('historyGuardPolls must be at least 2');
    const stack = Stack.of(this);
    const ownArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: props.stateMachineName,
      // State machine ARNs separate the name with a colon; any other value formats `stateMachine/<name>`,
      // which IAM would never match, and the hand-over would be denied.
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const finalize = new tasks.LambdaInvoke(this, WATCH_STATES.finalize, {
      stateName: WATCH_STATES.finalize,
      comment: 'Ends the watch and publishes its result once',
      lambdaFunction: props.finalizeFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.result',
    });
    finalize.addRetry({
      // Another watch holds the result within its lease: wait it out.
      errors: ['ResultPublishPending'],
      interval: Duration.seconds(30),
      backoffRate: 2,
      maxDelay: Duration.minutes(5),
      maxAttempts: 10,
      jitterStrategy: sfn.JitterType.FULL,
    });
    finalize.addRetry({
      errors: ['States.ALL'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxDelay: Duration.minutes(1),
      maxAttempts: 6,
      jitterStrategy: sfn.JitterType.FULL,
    });
    finalize.addCatch(
      new sfn.Fail(this, WATCH_STATES.finalizeFailed, {
        stateName: WATCH_STATES.finalizeFailed,
        comment: 'The result could not be recorded or published; the failed-executions alarm fires',
        causePath: '$.error.Cause',
        errorPath: '$.error.Error',
      }),
      { resultPath: '$.error' },
    );
    finalize.next(new sfn.Succeed(this, WATCH_STATES.ended, { stateName: WATCH_STATES.ended }));

    const poll = new tasks.LambdaInvoke(this, WATCH_STATES.poll, {
      stateName: WATCH_STATES.poll,
      comment: 'Asks NineData for the run, records it, decides the next wait',
      lambdaFunction: props.pollFunction,
      payloadResponseOnly: true,
      // Retried below, with jitter, together with NineData's transient failures.
      retryOnServiceExceptions: false,
    });
    poll.addRetry({
      // About 20 minutes of NineData outage (full jitter halves the 40-minute worst case) before the
      // watch gives up as `unreachable`.
      errors: [...WORKFLOW_RETRIED_ERROR_NAMES, ...LAMBDA_TRANSIENT_ERRORS],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxDelay: Duration.minutes(5),
      maxAttempts: 12,
      jitterStrategy: sfn.JitterType.FULL,
    });
    poll.addCatch(finalize, { errors: [...DEFINITE_ERROR_NAMES], resultPath: '$.error' });
    // Retries exhausted, or anything unexpected: still end the watch and tell subscribers.
    poll.addCatch(finalize, { errors: ['States.ALL'], resultPath: '$.error' });

    const wait = new sfn.Wait(this, WATCH_STATES.wait, {
      stateName: WATCH_STATES.wait,
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });

    const handOver = new tasks.CallAwsService(this, WATCH_STATES.handOver, {
      stateName: WATCH_STATES.handOver,
      comment: 'History guard: a successor execution carries the watch on',
      service: 'sfn',
      action: 'startExecution',
      iamAction: 'states:StartExecution',
      iamResources: [ownArn],
      parameters: {
        StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
        Name: sfn.JsonPath.format(
          'run-{}-w{}-g{}',
          sfn.JsonPath.stringAt('$.execId'),
          sfn.JsonPath.stringAt('$.attempt'),
          sfn.JsonPath.stringAt('$.generation'),
        ),
        Input: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    handOver.addRetry({
      errors: ['Sfn.SfnException', 'Sfn.ExecutionLimitExceededException', 'States.TaskFailed'],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxDelay: Duration.minutes(5),
      maxAttempts: 8,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const handedOver = new sfn.Succeed(this, WATCH_STATES.handedOver, {
      stateName: WATCH_STATES.handedOver,
      comment: 'The successor watches on',
    });
    // The successor already exists (this state ran twice): it watches on either way.
    handOver.addCatch(handedOver, {
      errors: ['Sfn.ExecutionAlreadyExistsException'],
      resultPath: sfn.JsonPath.DISCARD,
    });
    handOver.addCatch(finalize, { errors: ['States.ALL'], resultPath: '$.error' });
    handOver.next(handedOver);

    // The wait the last poll chose is honoured before the hand-over, so the successor's first poll
    // comes when the policy wanted it rather than at once.
    const waitBeforeHandOver = new sfn.Wait(this, WATCH_STATES.waitBeforeHandOver, {
      stateName: WATCH_STATES.waitBeforeHandOver,
      time: sfn.WaitTime.secondsPath('$.waitSeconds'),
    });

    const decide = new sfn.Choice(this, WATCH_STATES.decide, { stateName: WATCH_STATES.decide })
      .when(sfn.Condition.stringEquals('$.decision', 'wait'), wait.next(poll))
      .when(sfn.Condition.stringEquals('$.decision', 'continue'), waitBeforeHandOver.next(handOver))
      .otherwise(finalize);

    // One execution lives at most until the deadline, or for its guarded polls at the longest wait.
    const longestGeneration = Math.min(
      props.deadline.toSeconds(),
      props.historyGuardPolls * props.maxWait.toSeconds(),
    );
    const timeout = Duration.seconds(Math.min(longestGeneration + 3 * 3600, 365 * 86_400));

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'Watches one NineData comparison run until it is final, then publishes its result',
      definitionBody: sfn.DefinitionBody.fromChainable(poll.next(decide)),
      timeout,
      tracingEnabled: true,
      logs: { destination: props.logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });
    this.acknowledgeFindings(props);
  }

  /** cdk-nag findings on this state machine that are accepted, each with its reason. */
  private acknowledgeFindings(props: WatchWorkflowProps): void {
    const stack = Stack.of(this);
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'Logs ERROR events only, without execution data: a watch polls for hours or days and ALL would log ' +
        "every Wait and Choice; Step Functions keeps each execution's full history for 90 days anyway.",
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and ' +
        'CloudWatch Logs vended delivery (logs:CreateLogDelivery and related) support no resource-level permissions.',
    });
    for (const fn of [props.pollFunction, props.finalizeFunction]) {
      const resource = fn.node.defaultChild;
      if (!(resource instanceof CfnElement)) continue;
      Validations.of(this.stateMachine.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(resource)}.Arn>:*]`,
        reason:
          'LambdaInvoke grants lambda:InvokeFunction on the function and its versions and aliases (`<arn>:*`); ' +
          'the wildcard stays within this one function.',
      });
    }
  }
}
