/**
 * The compare-watch stack: the HTTP API and its lookup function, the watch workflow, the run table,
 * the results topic, the NineData credentials secret, and the alarms and dashboard that watch them.
 * Every function gets exactly the actions its code uses, on exactly the resources it touches.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { CompareWatchConfig } from './config';
import { NineDataCredentials } from './credentials-secret';
import { HouseFunction } from './house-function';
import { LookupApi } from './lookup-api';
import { Operations } from './operations';
import { ResultsTopic } from './results-topic';
import { RunTable } from './run-table';
import { WatchWorkflow } from './watch-workflow';

export { API_ROUTES } from './lookup-api';

export interface CompareWatchStackProps extends StackProps {
  readonly config: CompareWatchConfig;
}

/** The names of the stack's outputs, as `cdk deploy` prints them and the README's deploy section uses them. */
export const STACK_OUTPUTS = [
  'ApiUrl',
  'ResultsTopicArn',
  'CredentialsSecretArn',
  'RunTableName',
  'WatchStateMachineArn',
  'AlarmTopicArn',
  'DashboardName',
] as const;

export class CompareWatchStack extends Stack {
  public readonly table: TableV2;
  public readonly topic: Topic;
  public readonly secret: ISecret;
  public readonly workflow: WatchWorkflow;
  public readonly api: HttpApi;
  public readonly functions: { lookup: HouseFunction; poll: HouseFunction; finalize: HouseFunction };
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: CompareWatchStackProps) {
    super(scope, id, props);
    const { config } = props;
    const disposable = config.disposable;
    const logRetention = config.logRetentionDays as RetentionDays;
    const logRemovalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const runTable = new RunTable(this, 'Runs', { disposable });
    this.table = runTable.table;
    const results = new ResultsTopic(this, 'Results', { emails: config.notifyEmails });
    this.topic = results.topic;
    const credentials = new NineDataCredentials(this, 'NineDataCredentials', {
      existingSecret: config.ninedataSecret,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.secret = credentials.secret;

    const common = {
      TABLE_NAME: this.table.tableName,
      SNAPSHOT_RETENTION_DAYS: String(config.snapshotRetentionDays),
    };
    // The secret by reference only: its ARN, never its value.
    const nineData = {
      NINEDATA_ENDPOINT: config.ninedataEndpoint,
      NINEDATA_SECRET_ARN: this.secret.secretArn,
    };

    const poll = new HouseFunction(this, 'Poll', {
      entry: 'poll',
      description: 'compare-watch: one poll of a watched NineData run',
      logRetention,
      logRemovalPolicy,
      environment: {
        ...common,
        ...nineData,
        POLL_MIN_SECONDS: String(config.pollMinSeconds),
        POLL_MAX_SECONDS: String(config.pollMaxSeconds),
        HISTORY_GUARD_POLLS: String(config.historyGuardPolls),
      },
    });
    const finalize = new HouseFunction(this, 'Finalize', {
      entry: 'finalize',
      description: 'compare-watch: ends a watch and publishes its result',
      logRetention,
      logRemovalPolicy,
      environment: { ...common, TOPIC_ARN: this.topic.topicArn },
    });

    const workflowLogs = new LogGroup(this, 'WatchWorkflowLogs', {
      retention: logRetention,
      removalPolicy: logRemovalPolicy,
    });
    this.workflow = new WatchWorkflow(this, 'Watch', {
      pollFunction: poll.function,
      finalizeFunction: finalize.function,
      stateMachineName: `${this.stackName}-watch`,
      deadline: Duration.hours(config.watchDeadlineHours),
      historyGuardPolls: config.historyGuardPolls,
      maxWait: Duration.seconds(config.pollMaxSeconds),
      logGroup: workflowLogs,
    });

    const lookup = new HouseFunction(this, 'Lookup', {
      entry: 'lookup',
      description: 'compare-watch: the HTTP API',
      logRetention,
      logRemovalPolicy,
      // More memory buys CPU for a faster cold start on the request path.
      memorySize: 512,
      // Below API Gateway's 30-second integration limit, so a slow call ends in our own problem+json.
      timeout: Duration.seconds(29),
      environment: {
        ...common,
        ...nineData,
        STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        WATCH_DEADLINE_SECONDS: String(config.watchDeadlineHours * 3600),
        LOOKUP_FRESH_SECONDS: String(config.lookupFreshSeconds),
      },
    });
    this.functions = { lookup, poll, finalize };

    // Least privilege, from functions/adapters/dynamo-run-store.ts and the use cases each entry runs.
    // Poll: getRun, recordObservation (snapshot put, view update), recordGeneration.
    runTable.grant(poll.function, { table: ['GetItem', 'PutItem', 'UpdateItem'] });
    // Finalize: getRun, claimNotification, markNotified, endWatch; findPreviousRun queries GSI1.
    runTable.grant(finalize.function, { table: ['GetItem', 'UpdateItem'], queryTaskIndex: true });
    // Lookup: reads and records runs, claims watches, lists snapshots (table) and task runs (GSI1).
    runTable.grant(lookup.function, {
      table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
      queryTaskIndex: true,
    });
    credentials.grantRead(poll.function);
    credentials.grantRead(lookup.function);
    results.grantPublish(finalize.function);
    this.workflow.stateMachine.grantStartExecution(lookup.function);

    const api = new LookupApi(this, 'Api', {
      handler: lookup.function,
      authorization: config.apiAuthorization,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      logRetention,
      logRemovalPolicy,
    });
    this.api = api.api;
    finalize.function.addEnvironment('API_URL', api.url);

    this.operations = new Operations(this, 'Operations', {
      namePrefix: this.stackName,
      stateMachine: this.workflow.stateMachine,
      functions: { lookup: lookup.function, poll: poll.function, finalize: finalize.function },
      api: this.api,
      topicKey: results.key,
      alarmEmails: config.alarmEmails,
    });

    const outputs: Record<(typeof STACK_OUTPUTS)[number], { value: string; description: string }> = {
      ApiUrl: { value: api.url, description: 'Base URL of the HTTP API' },
      ResultsTopicArn: { value: this.topic.topicArn, description: 'Subscribe here for run results' },
      CredentialsSecretArn: {
        value: this.secret.secretArn,
        description: 'Put {"accessKeyId","secretKey"} of your NineData AccessKey here',
      },
      RunTableName: { value: this.table.tableName, description: 'Runs and snapshots' },
      WatchStateMachineArn: {
        value: this.workflow.stateMachine.stateMachineArn,
        description: 'One execution per watched run',
      },
      AlarmTopicArn: {
        value: this.operations.alarmTopic.topicArn,
        description: 'Subscribe here for alarm notifications',
      },
      DashboardName: {
        value: this.operations.dashboard.dashboardName,
        description: 'CloudWatch dashboard of watches, polls, outcomes and NineData health',
      },
    };
    for (const [name, output] of Object.entries(outputs)) new CfnOutput(this, name, output);
  }
}
