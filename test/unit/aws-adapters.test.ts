/**
 * The AWS adapters against mocked SDK clients: SNS, Step Functions and Secrets Manager have no local
 * stand-in here, so aws-sdk-client-mock answers for them. Only what the adapter sends and how it
 * reads the answer is under test.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { countingCredentialFailures } from '../../functions/adapters/ninedata-metrics';
import { secretCredentials } from '../../functions/adapters/secret-credentials';
import { SfnWatchStarter } from '../../functions/adapters/sfn-watch-starter';
import { SnsResultPublisher } from '../../functions/adapters/sns-result-publisher';
import { newWatch, watchStateOf } from '../../functions/core/watch';

const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);

afterEach(() => {
  sns.reset();
  sfn.reset();
  secrets.reset();
});

describe('SnsResultPublisher', () => {
  it('publishes subject, body and typed attributes to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = new SnsResultPublisher(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:1:results',
    );

    await publisher.publish({
      subject: 'NineData compare cd-a #1: consistent',
      body: '{"type":"ninedata.compare.result"}',
      attributes: {
        outcome: { type: 'String', value: 'consistent' },
        different: { type: 'Number', value: '0' },
      },
    });

    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: 'arn:aws:sns:us-east-1:1:results',
      Subject: 'NineData compare cd-a #1: consistent',
      Message: '{"type":"ninedata.compare.result"}',
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'consistent' },
        different: { DataType: 'Number', StringValue: '0' },
      },
    });
  });
});

describe('SfnWatchStarter', () => {
  const state = watchStateOf(newWatch('7', 1, new Date('2026-05-08T08:00:00Z'), { deadlineSeconds: 86_400 }));

  it('starts the named execution with the watch state as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    const starter = new SfnWatchStarter(
      new SFNClient({ region: 'us-east-1' }),
      'arn:aws:states:us-east-1:1:stateMachine:w',
    );

    await starter.start('run-7-w1-g0', state);

    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: 'arn:aws:states:us-east-1:1:stateMachine:w',
      name: 'run-7-w1-g0',
      input: JSON.stringify(state),
    });
  });

  it('counts an execution that already exists as started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const starter = new SfnWatchStarter(new SFNClient({ region: 'us-east-1' }), 'arn:sm');

    await expect(starter.start('run-7-w1-g0', state)).resolves.toBeUndefined();
  });

  it('passes any other failure on, so the claim is released', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const starter = new SfnWatchStarter(new SFNClient({ region: 'us-east-1' }), 'arn:sm');

    await expect(starter.start('run-7-w1-g0', state)).rejects.toThrow('Rate exceeded');
  });
});

describe('secretCredentials', () => {
  const client = () => new SecretsManagerClient({ region: 'us-east-1' });

  it('reads the AccessKey from the secret by its ARN and caches it', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:secret:ok' })
      .resolves({ SecretString: '{"accessKeyId":"AK1","secretKey":"s3cr3t-value"}' });
    const read = secretCredentials({ secretArn: 'arn:secret:ok', client: client() });

    expect(await read()).toEqual({ accessKeyId: 'AK1', secretKey: 's3cr3t-value' });
    await read();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it.each([
    ['the placeholder a new stack creates', '{"accessKeyId":"REPLACE_ME","secretKey":"xyz"}'],
    ['a missing field', '{"accessKeyId":"AK1"}'],
    ['text that is not JSON', 'AK1:s3cr3t-value'],
  ])('refuses %s without echoing the value', async (_label, value) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    const read = secretCredentials({ secretArn: `arn:secret:${_label}`, client: client() });

    const error = (await read().then(
      () => new Error('expected the read to fail'),
      (e: unknown) => e,
    )) as Error;

    expect(error).toMatchObject({ name: 'NineDataAuthRejected' });
    expect(error.message).toContain('{"accessKeyId": "…", "secretKey": "…"}');
    expect(error.message).not.toContain('xyz');
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('countingCredentialFailures', () => {
  it('counts credentials that cannot be read by their error class, and passes the error on', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: '{"accessKeyId":"REPLACE_ME","secretKey":"x"}' });
    const counted: { name: string; dimensions?: Record<string, string> }[] = [];
    const read = countingCredentialFailures(
      secretCredentials({
        secretArn: 'arn:secret:placeholder-counted',
        client: new SecretsManagerClient({ region: 'us-east-1' }),
      }),
      { count: (name, dimensions) => counted.push({ name, dimensions }), milliseconds: () => {} },
    );

    await expect(read()).rejects.toMatchObject({ name: 'NineDataAuthRejected' });
    expect(counted).toEqual([{ name: 'UpstreamErrors', dimensions: { class: 'NineDataAuthRejected' } }]);
  });
});
