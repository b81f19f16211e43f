import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, readStackName } from '../../lib/config';

const ENDPOINT = { ninedataEndpoint: 'https://ninedata.example.com' };
const read = (context: Record<string, unknown>) => readConfig((key) => context[key]);

function errorOf(context: Record<string, unknown>): ConfigError {
  try {
    read(context);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(context)}`);
}

describe('readConfig', () => {
  it('refuses a missing ninedataEndpoint, showing the -c flag that fixes it', () => {
    const error = errorOf({});

    expect(error.message).toMatch(/ninedataEndpoint is required/);
    expect(error.message).toContain('-c ninedataEndpoint=https://');
  });

  it.each([
    ['not a URL', 'ninedata.example.com', /not a URL/],
    ['plain http', 'http://ninedata.example.com', /must be an https URL/],
    ['a query string', 'https://ninedata.example.com/?token=1', /without query, fragment or credentials/],
    ['credentials', 'https://user:pw@ninedata.example.com', /without query, fragment or credentials/],
  ])('refuses a ninedataEndpoint with %s, showing the -c flag that fixes it', (_, value, problem) => {
    const error = errorOf({ ninedataEndpoint: value });

    expect(error.message).toMatch(problem);
    expect(error.message).toContain('-c ninedataEndpoint=https://');
  });

  it.each([
    ['pollMinSeconds', '0', '-c pollMinSeconds=5'],
    ['pollMaxSeconds', '86401', '-c pollMaxSeconds=300'],
    ['watchDeadlineHours', '8761', '-c watchDeadlineHours=24'],
    ['watchDeadlineHours', '1.5', '-c watchDeadlineHours=24'],
    ['historyGuardPolls', '9', '-c historyGuardPolls=500'],
    ['snapshotRetentionDays', '0', '-c snapshotRetentionDays=90'],
    ['snapshotRetentionDays', 'ninety', '-c snapshotRetentionDays=90'],
    ['lookupFreshSeconds', '-1', '-c lookupFreshSeconds=10'],
    ['apiRateLimit', '0', '-c apiRateLimit=25'],
    ['apiBurstLimit', '5001', '-c apiBurstLimit=50'],
    ['logRetentionDays', '8', '-c logRetentionDays=30'],
    ['disposable', 'yes', '-c disposable=true'],
    ['apiAuthorization', 'cognito', '-c apiAuthorization=iam'],
    ['notifyEmails', 'ops@example.com,not-an-address', '-c notifyEmails=a@example.com'],
    ['alarmEmails', 'oncall', '-c alarmEmails=a@example.com'],
    ['ninedataSecret', 'arn:aws:s3:::bucket', '-c ninedataSecret=<name>'],
    ['ninedataSecret', 'name with spaces', '-c ninedataSecret=<name>'],
  ])('refuses %s=%s, naming the key and the fix', (key, value, fix) => {
    const error = errorOf({ ...ENDPOINT, [key]: value });

    expect(error.message).toMatch(new RegExp(`^context ${key} `));
    expect(error.message).toContain(fix);
  });

  it('refuses poll bounds out of order, naming both keys and a fix', () => {
    const error = errorOf({ ...ENDPOINT, pollMinSeconds: '60', pollMaxSeconds: '30' });

    expect(error.message).toMatch(/pollMaxSeconds \(30\) is below pollMinSeconds \(60\)/);
    expect(error.message).toMatch(/-c pollMinSeconds=30 or -c pollMaxSeconds=60/);
  });

  it('refuses a key given as a list where one value belongs', () => {
    const error = errorOf({ ...ENDPOINT, pollMinSeconds: [5, 10] });

    expect(error.message).toBe(
      'context pollMinSeconds must be a single value, got [5,10]: give it as -c pollMinSeconds=<value>',
    );
  });

  it('applies documented defaults when only the endpoint is given', () => {
    expect(read(ENDPOINT)).toEqual({
      ninedataEndpoint: 'https://ninedata.example.com',
      ninedataSecret: null,
      pollMinSeconds: 5,
      pollMaxSeconds: 300,
      watchDeadlineHours: 24,
      historyGuardPolls: 500,
      snapshotRetentionDays: 90,
      lookupFreshSeconds: 10,
      notifyEmails: [],
      alarmEmails: [],
      apiAuthorization: 'iam',
      apiRateLimit: 25,
      apiBurstLimit: 50,
      disposable: false,
      logRetentionDays: 30,
    });
  });

  it('reads values as -c gives them (strings) and as cdk.json gives them (numbers, booleans, lists)', () => {
    const config = read({
      ninedataEndpoint: 'https://ninedata.example.com/',
      pollMaxSeconds: 600,
      disposable: true,
      notifyEmails: ['a@example.com', 'b@example.com'],
      alarmEmails: ' c@example.com , d@example.com ',
      ninedataSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ninedata-AbC123',
    });

    expect(config).toMatchObject({
      ninedataEndpoint: 'https://ninedata.example.com',
      pollMaxSeconds: 600,
      disposable: true,
      notifyEmails: ['a@example.com', 'b@example.com'],
      alarmEmails: ['c@example.com', 'd@example.com'],
      ninedataSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ninedata-AbC123',
    });
  });
});

describe('readStackName', () => {
  it('defaults to CompareWatch', () => {
    expect(readStackName(() => undefined)).toBe('CompareWatch');
  });

  it('refuses a name the state machine name could not be derived from, showing the fix', () => {
    expect(() => readStackName(() => 'compare_watch')).toThrow(
      /context stackName .*-c stackName=CompareWatch-dev/,
    );
  });
});
