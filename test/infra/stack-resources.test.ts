import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, STACK_OUTPUTS } from '../../lib/compare-watch-stack';
import { ACCESS_LOG_FIELDS } from '../../lib/lookup-api';
import { type Json, type Synthesized, synthesize } from './synth';

const resourcesOf = (s: Synthesized, type: string): Json[] => Object.values(s.template.findResources(type));

describe('the run table', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });

  it('is on-demand, encrypted, point-in-time recoverable, with snapshot TTL and the task index', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'GSI1',
          KeySchema: [
            { AttributeName: 'GSI1PK', KeyType: 'HASH' },
            { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('is retained when the stack is deleted', () => {
    s.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('goes with the stack, unprotected, only on a disposable stage', () => {
    const disposable = synthesize({ disposable: 'true' });

    disposable.template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      }),
    });
  });
});

describe('the results topic', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ notifyEmails: 'ops@example.com, data@example.com' });
  });

  it('is encrypted with a rotating customer-managed key', () => {
    const key = s.resolve(s.stack.topic.masterKey?.keyArn);

    s.template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'compare-watch results',
      KmsMasterKeyId: key,
    });
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('refuses every request that is not over TLS', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [s.resolve(s.stack.topic.topicArn)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes each e-mail address from the context', () => {
    for (const address of ['ops@example.com', 'data@example.com']) {
      s.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: address,
        TopicArn: s.resolve(s.stack.topic.topicArn),
      });
    }
  });
});

describe('the NineData credentials secret', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });

  it('is created with a placeholder AccessKey and a generated filler, and retained', () => {
    s.template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        Description: Match.stringLikeRegexp('NineData AccessKey'),
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ accessKeyId: 'REPLACE_ME' }),
          GenerateStringKey: 'secretKey',
          ExcludePunctuation: true,
        },
      },
    });
  });

  it('reaches functions as an ARN only, and never to finalize', () => {
    const functions = s.template.toJSON().Resources;
    const secretRef = s.resolve(s.stack.secret.secretArn);
    const env = (fn: keyof typeof s.stack.functions) =>
      functions[s.logicalId(s.stack.functions[fn].function)].Properties.Environment.Variables;

    expect(env('poll').NINEDATA_SECRET_ARN).toEqual(secretRef);
    expect(env('lookup').NINEDATA_SECRET_ARN).toEqual(secretRef);
    expect(env('finalize').NINEDATA_SECRET_ARN).toBeUndefined();
    for (const fn of ['poll', 'lookup', 'finalize'] as const) {
      const names = Object.keys(env(fn));
      expect(names.filter((name) => /SECRET|KEY|PASSWORD|TOKEN/.test(name))).toEqual(
        fn === 'finalize' ? [] : ['NINEDATA_SECRET_ARN'],
      );
      expect(JSON.stringify(env(fn))).not.toMatch(/REPLACE_ME|SecretString|secretKey/);
    }
  });
});

describe('the functions', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ logRetentionDays: '90' });
  });

  it('run Node.js 24 on arm64 with active tracing and source maps, logging to their own group', () => {
    for (const fn of Object.values(s.stack.functions)) {
      s.template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: s.resolve(fn.logGroup.logGroupName) },
        Role: s.resolve(fn.role.roleArn),
        Environment: {
          Variables: Match.objectLike({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'compare-watch',
            POWERTOOLS_METRICS_NAMESPACE: 'CompareWatch',
          }),
        },
      });
    }
  });

  it('give the lookup function time to answer before API Gateway gives up at 30 seconds', () => {
    const lookup = s.template.toJSON().Resources[s.logicalId(s.stack.functions.lookup.function)];

    expect(lookup.Properties.Timeout).toBeLessThan(30);
  });

  it('receive the typed configuration the handlers read', () => {
    const resources = s.template.toJSON().Resources;
    const env = (fn: keyof typeof s.stack.functions) =>
      resources[s.logicalId(s.stack.functions[fn].function)].Properties.Environment.Variables;

    expect(env('poll')).toMatchObject({
      TABLE_NAME: s.resolve(s.stack.table.tableName),
      NINEDATA_ENDPOINT: 'https://ninedata.example.com',
      POLL_MIN_SECONDS: '5',
      POLL_MAX_SECONDS: '300',
      HISTORY_GUARD_POLLS: '500',
      SNAPSHOT_RETENTION_DAYS: '90',
    });
    expect(env('finalize')).toMatchObject({
      TOPIC_ARN: s.resolve(s.stack.topic.topicArn),
      API_URL: expect.anything(),
    });
    expect(env('lookup')).toMatchObject({
      STATE_MACHINE_ARN: s.resolve(s.stack.workflow.stateMachine.stateMachineArn),
      WATCH_DEADLINE_SECONDS: String(24 * 3600),
      LOOKUP_FRESH_SECONDS: '10',
    });
  });

  it('keep every log group for the configured retention, retained with the stack', () => {
    const groups = resourcesOf(s, 'AWS::Logs::LogGroup');

    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.Properties.RetentionInDays).toBe(90);
      expect(group.DeletionPolicy).toBe('Retain');
    }
  });

  it('let their log groups go with a disposable stage', () => {
    const disposable = synthesize({ disposable: 'true' });

    for (const group of resourcesOf(disposable, 'AWS::Logs::LogGroup'))
      expect(group.DeletionPolicy).toBe('Delete');
  });
});

describe('the HTTP API', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });

  it('requires IAM (SigV4) authorization on every route, the catch-all included', () => {
    const routes = resourcesOf(s, 'AWS::ApiGatewayV2::Route');

    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      [...API_ROUTES.map((r) => `${r.method} ${r.path}`), 'ANY /{proxy+}'].sort(),
    );
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('writes JSON access logs to a group with retention', () => {
    const [stage] = resourcesOf(s, 'AWS::ApiGatewayV2::Stage');
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);

    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.AutoDeploy).toBe(true);
    const [groupId, attribute] = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'];
    const group = s.template.toJSON().Resources[groupId];
    expect(attribute).toBe('Arn');
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    expect(format).toEqual(ACCESS_LOG_FIELDS);
    expect(Object.keys(format)).toEqual(
      expect.arrayContaining(['requestId', 'routeKey', 'status', 'ip', 'latency', 'integrationError']),
    );
  });

  it('throttles the default stage, by default and as configured', () => {
    const custom = synthesize({ apiRateLimit: '5', apiBurstLimit: '10' });

    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
    });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
  });

  it('opens every route only when apiAuthorization=none, and warns at synth', () => {
    const open = synthesize({ apiAuthorization: 'none' });

    for (const route of resourcesOf(open, 'AWS::ApiGatewayV2::Route'))
      expect(route.Properties.AuthorizationType).toBe('NONE');
    Annotations.fromStack(open.stack).hasWarning(
      '/CompareWatch/Api',
      Match.stringLikeRegexp('OPEN to anyone'),
    );
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('OPEN to anyone'))).toEqual(
      [],
    );
  });
});

describe('the watch state machine', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });

  it('is a traced Standard workflow logging errors without execution data', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'CompareWatch-watch',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });
});

describe('the stack outputs', () => {
  it('name the API URL, topic, secret, table, state machine, alarm topic and dashboard', () => {
    const s = synthesize();
    const outputs = s.template.toJSON().Outputs;

    expect(Object.keys(outputs).sort()).toEqual([...STACK_OUTPUTS].sort());
    expect(outputs.ResultsTopicArn.Value).toEqual(s.resolve(s.stack.topic.topicArn));
    expect(outputs.CredentialsSecretArn.Value).toEqual(s.resolve(s.stack.secret.secretArn));
    expect(outputs.RunTableName.Value).toEqual(s.resolve(s.stack.table.tableName));
    expect(outputs.WatchStateMachineArn.Value).toEqual(
      s.resolve(s.stack.workflow.stateMachine.stateMachineArn),
    );
    expect(outputs.ApiUrl.Value).toEqual(s.resolve(s.stack.api.apiEndpoint));
    expect(outputs.AlarmTopicArn.Value).toEqual(s.resolve(s.stack.operations.alarmTopic.topicArn));
    expect(outputs.DashboardName.Value).toEqual(s.resolve(s.stack.operations.dashboard.dashboardName));
  });
});
