/**
 * The compare-watch stack: the HTTP API and its lookup function, the watch workflow, the run table,
 * the results topic and the NineData credentials secret.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { RUN_TABLE } from '../functions/adapters/run-table';
import { PLACEHOLDER_CREDENTIALS } from '../functions/adapters/secret-credentials';
import type { CompareWatchConfig } from './config';
import { HouseFunction } from './house-function';
import { WatchWorkflow } from './watch-workflow';

export interface CompareWatchStackProps extends StackProps {
  readonly config: CompareWatchConfig;
}

/** The routes of the HTTP API; the lookup function serves them all (and answers 404/405 itself). */
export const API_ROUTES: readonly { method: HttpMethod; path: string }[] = [
  { method: HttpMethod.GET, path: '/runs/{execId}' },
  { method: HttpMethod.GET, path: '/runs/{execId}/snapshots' },
  { method: HttpMethod.POST, path: '/runs/{execId}/watch' },
  { method: HttpMethod.GET, path: '/tasks/{taskId}' },
  { method: HttpMethod.POST, path: '/tasks/{taskId}/watch' },
  { method: HttpMethod.GET, path: '/tasks/{taskId}/runs' },
  { method: HttpMethod.POST, path: '/tasks/{taskId}/runs' },
  { method: HttpMethod.GET, path: '/openapi.json' },
];

export class CompareWatchStack extends Stack {
  public readonly table: TableV2;
  public readonly topic: Topic;
  public readonly secret: ISecret;
  public readonly workflow: WatchWorkflow;
  public readonly api: HttpApi;
  public readonly functions: { lookup: HouseFunction; poll: HouseFunction; finalize: HouseFunction };

  constructor(scope: Construct, id: string, props: CompareWatchStackProps) {
    super(scope, id, props);
    const { config } = props;
    const dataRemoval = config.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.table = new TableV2(this, 'Runs', {
      partitionKey: { name: RUN_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RUN_TABLE.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: RUN_TABLE.ttlAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: !config.disposable,
      removalPolicy: dataRemoval,
      globalSecondaryIndexes: [
        {
          indexName: RUN_TABLE.taskIndex.name,
          partitionKey: { name: RUN_TABLE.taskIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: RUN_TABLE.taskIndex.sortKey, type: AttributeType.STRING },
        },
      ],
    });

    const topicKey = new Key(this, 'ResultsTopicKey', {
      description: 'Encrypts compare-watch result messages at rest',
      enableKeyRotation: true,
      removalPolicy: dataRemoval,
    });
    this.topic = new Topic(this, 'Results', {
      displayName: 'compare-watch results',
      masterKey: topicKey,
      enforceSSL: true,
    });
    for (const email of config.notifyEmails) this.topic.addSubscription(new EmailSubscription(email));

    this.secret = config.ninedataSecret
      ? config.ninedataSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'NineDataCredentials', config.ninedataSecret)
        : Secret.fromSecretNameV2(this, 'NineDataCredentials', config.ninedataSecret)
      : new Secret(this, 'NineDataCredentials', {
          description: 'NineData AccessKey for compare-watch: replace the placeholder values',
          // Nothing secret in the template: a placeholder AccessKey ID and a random filler SecretKey,
          // both replaced by the operator (the functions refuse the placeholder with a clear error).
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ accessKeyId: PLACEHOLDER_CREDENTIALS.accessKeyId }),
            generateStringKey: 'secretKey',
            excludePunctuation: true,
          },
          removalPolicy: dataRemoval,
        });

    const common = {
      TABLE_NAME: this.table.tableName,
      SNAPSHOT_RETENTION_DAYS: String(config.snapshotRetentionDays),
    };
    const nineData = {
      NINEDATA_ENDPOINT: config.ninedataEndpoint,
      NINEDATA_SECRET_ARN: this.secret.secretArn,
    };
    const logRemovalPolicy = config.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

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
      environment: {
        ...common,
        ...nineData,
        STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        WATCH_DEADLINE_SECONDS: String(config.watchDeadlineHours * 3600),
        LOOKUP_FRESH_SECONDS: String(config.lookupFreshSeconds),
      },
    });
    this.functions = { lookup, poll, finalize };

    this.table.grantReadWriteData(poll.function);
    this.table.grantReadWriteData(finalize.function);
    this.table.grantReadWriteData(lookup.function);
    this.secret.grantRead(poll.function);
    this.secret.grantRead(lookup.function);
    this.topic.grantPublish(finalize.function);
    this.workflow.stateMachine.grantStartExecution(lookup.function);

    const authorizer: IHttpRouteAuthorizer =
      config.apiAuthorization === 'iam' ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
    this.api = new HttpApi(this, 'Api', {
      description: 'compare-watch: look up, start and watch NineData comparison runs',
      defaultAuthorizer: authorizer,
      createDefaultStage: true,
    });
    const integration = new HttpLambdaIntegration('Lookup', lookup.function);
    for (const { method, path } of API_ROUTES) this.api.addRoutes({ path, methods: [method], integration });
    // Anything else also reaches the function, so callers get its problem+json 404 and 405.
    this.api.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration });
    finalize.function.addEnvironment('API_URL', this.api.apiEndpoint);

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'ResultsTopicArn', {
      value: this.topic.topicArn,
      description: 'Subscribe here for results',
    });
    new CfnOutput(this, 'CredentialsSecretArn', {
      value: this.secret.secretArn,
      description: 'Put {"accessKeyId","secretKey"} of your NineData AccessKey here',
    });
    new CfnOutput(this, 'RunTableName', { value: this.table.tableName });
    new CfnOutput(this, 'WatchStateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
  }
}
