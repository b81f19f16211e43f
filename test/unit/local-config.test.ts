import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../lib/local/local-config';

describe('readLocalConfig', () => {
  it('runs on the built-in defaults with the sandbox', () => {
    const config = readLocalConfig({}, '/home/me/compare-watch');

    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: '/home/me/compare-watch/.compare-watch',
      nineData: null,
      webhooks: [],
      pollMinSeconds: 5,
      pollMaxSeconds: 300,
      watchDeadlineSeconds: 86_400,
      logLevel: 'info',
      demoSpeed: 1,
    });
  });

  it('uses a real NineData when all three variables are set, private http included', () => {
    const config = readLocalConfig(
      {
        NINEDATA_ENDPOINT: 'http://ninedata.corp:8080/',
        NINEDATA_ACCESS_KEY_ID: 'AK',
        NINEDATA_SECRET_KEY: 'sk',
      },
      '/',
    );

    expect(config.nineData).toEqual({
      endpoint: 'http://ninedata.corp:8080',
      accessKeyId: 'AK',
      secretKey: 'sk',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT is "abc": it should be a whole number from 0 to 65535'],
    [{ POLL_MIN_SECONDS: '60', POLL_MAX_SECONDS: '30' }, 'POLL_MAX_SECONDS=30 is below POLL_MIN_SECONDS=60'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL=loud is not valid: give debug, info or warn'],
    [
      { NOTIFY_WEBHOOKS: 'https://ok.example.com,ftp://no.example.com' },
      'NOTIFY_WEBHOOKS must use https or http, not ftp',
    ],
    [
      { NINEDATA_ENDPOINT: 'not a url', NINEDATA_ACCESS_KEY_ID: 'AK', NINEDATA_SECRET_KEY: 'sk' },
      'NINEDATA_ENDPOINT is not a URL',
    ],
    [
      { NINEDATA_ACCESS_KEY_ID: 'AK' },
      'NINEDATA_ACCESS_KEY_ID is set but NINEDATA_ENDPOINT and NINEDATA_SECRET_KEY are not',
    ],
  ])('refuses %j with one line that says what to fix', (env, message) => {
    expect(() => readLocalConfig(env, '/')).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringContaining(message) }),
    );
  });
});
