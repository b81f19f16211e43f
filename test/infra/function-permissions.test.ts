import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HouseFunction } from '../../lib/house-function';
import { allowedPairs, type Json, pairs, type Synthesized, synthesize } from './synth';

const TABLE_ACTIONS = {
  poll: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  finalize: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  lookup: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
};
const SECRET_READ = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

describe('function permissions (least privilege)', () => {
  let s: Synthesized;
  let table: Json;
  let taskIndex: Json;
  let secret: Json;

  /** What every house function may do: write its own logs, send traces. */
  function baseline(fn: HouseFunction): string[] {
    return [
      ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], s.resolve(fn.logGroup.logGroupArn)),
      ...pairs(XRAY, '*'),
    ];
  }
  const allowed = (fn: HouseFunction) => allowedPairs(s.template, s.logicalId(fn.role));

  beforeAll(() => {
    s = synthesize();
    table = s.resolve(s.stack.table.tableArn);
    taskIndex = { 'Fn::Join': ['', [table, '/index/GSI1']] };
    secret = s.resolve(s.stack.secret.secretArn);
  });

  it('lets poll read and write run items and read the NineData secret, nothing else', () => {
    const { poll } = s.stack.functions;

    expect(allowed(poll)).toEqual(
      [...baseline(poll), ...pairs(TABLE_ACTIONS.poll, table), ...pairs(SECRET_READ, secret)].sort(),
    );
  });

  it('lets finalize update runs, query the task index and publish encrypted results, but not read the secret', () => {
    const { finalize } = s.stack.functions;
    const topic = s.resolve(s.stack.topic.topicArn);
    const key = s.resolve(s.stack.topic.masterKey?.keyArn);

    expect(allowed(finalize)).toEqual(
      [
        ...baseline(finalize),
        ...pairs(TABLE_ACTIONS.finalize, table),
        ...pairs(['dynamodb:Query'], taskIndex),
        ...pairs(['sns:Publish'], topic),
        ...pairs(['kms:GenerateDataKey', 'kms:Decrypt'], key),
      ].sort(),
    );
  });

  it('lets lookup use the table and task index, read the secret and start watches, nothing else', () => {
    const { lookup } = s.stack.functions;
    const stateMachine = s.resolve(s.stack.workflow.stateMachine.stateMachineArn);

    expect(allowed(lookup)).toEqual(
      [
        ...baseline(lookup),
        ...pairs(TABLE_ACTIONS.lookup, table),
        ...pairs(['dynamodb:Query'], taskIndex),
        ...pairs(SECRET_READ, secret),
        ...pairs(['states:StartExecution'], stateMachine),
      ].sort(),
    );
  });

  it('attaches no managed policy to any function role', () => {
    for (const fn of Object.values(s.stack.functions)) {
      const role = s.template.toJSON().Resources[s.logicalId(fn.role)];

      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      ]);
    }
  });

  it('lets the state machine start only its own successor, by its colon-separated ARN', () => {
    const role = s.logicalId(s.stack.workflow.stateMachine.role);
    const starts = allowedPairs(s.template, role).filter((p) => p.startsWith('states:'));

    expect(starts).toEqual([
      `states:StartExecution on ${JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':states:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':stateMachine:CompareWatch-watch',
          ],
        ],
      })}`,
    ]);
  });

  it('lets the state machine invoke only the poll and finalize functions', () => {
    const role = s.logicalId(s.stack.workflow.stateMachine.role);
    const invokes = allowedPairs(s.template, role).filter((p) => p.startsWith('lambda:'));
    const { poll, finalize } = s.stack.functions;
    const arns = [poll, finalize].map((fn) => s.resolve(fn.function.functionArn));

    expect(invokes).toEqual(
      arns
        .flatMap((arn) =>
          pairs(['lambda:InvokeFunction'], arn).concat(
            pairs(['lambda:InvokeFunction'], { 'Fn::Join': ['', [arn, ':*']] }),
          ),
        )
        .sort(),
    );
  });
});

describe('function permissions with an existing secret', () => {
  it('grants read on the complete ARN given and passes that ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ninedata/prod-AbC123';
    const s = synthesize({ ninedataSecret: arn });

    expect(allowedPairs(s.template, s.logicalId(s.stack.functions.poll.role))).toEqual(
      expect.arrayContaining(pairs(SECRET_READ, arn)),
    );
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NINEDATA_SECRET_ARN: arn }) },
    });
  });

  it('grants read on any random suffix of a secret given by name', () => {
    const s = synthesize({ ninedataSecret: 'ninedata/prod' });
    const granted = allowedPairs(s.template, s.logicalId(s.stack.functions.lookup.role)).filter((p) =>
      p.startsWith('secretsmanager:'),
    );

    expect(granted).toHaveLength(2);
    for (const grant of granted) expect(grant).toMatch(/:secret:ninedata\/prod-\?\?\?\?\?\?/);
  });
});
