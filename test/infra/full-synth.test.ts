/**
 * The `cdk synth` a user runs, through the CLI: real esbuild bundling, the built-in CloudFormation
 * validation and cdk-nag, offline and without AWS credentials. The other infra tests skip bundling
 * for speed; this one makes sure bundling never silently breaks.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, PROJECT_ROOT } from '../../lib/house-function';
import type { Json } from './synth';

interface CdkRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the project's CDK CLI with no AWS credentials or profile, writing to its own folder. */
function cdk(args: string[], outdir: string): Promise<CdkRun> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(name),
    ),
  );
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['cdk', ...args, '--output', outdir],
      {
        cwd: PROJECT_ROOT,
        env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('cdk synth through the CLI', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'compare-watch-synth-'));
  let run: CdkRun;
  let template: Json;

  beforeAll(async () => {
    run = await cdk(['synth', '--quiet', '-c', 'ninedataEndpoint=https://ninedata.example.com'], outdir);
    const file = path.join(outdir, 'CompareWatch.template.json');
    template = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('succeeds offline with cdk-nag on and reports no finding', () => {
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/AwsSolutions-|Validation failed|ValidationFailed/);
    expect(run.code).toBe(0);
    expect(template).not.toBeNull();
  });

  it.each(['Poll', 'Finalize', 'Lookup'])(
    'bundles the %s function as minified ESM with a source map, leaving the AWS SDK to the runtime',
    (name) => {
      const [, fn] = Object.entries(template.Resources as Record<string, Json>).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(`${name}Function`),
      ) ?? [undefined, undefined];
      const asset = path.join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const bundle = readFileSync(path.join(asset, 'index.mjs'), 'utf8');
      const sdkSpecifiers = [...bundle.matchAll(/(.{0,8})"(@aws-sdk\/[a-z0-9-]+)"/g)];

      expect(fn.Properties.Handler).toBe('index.handler');
      expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(bundle).toMatch(/export\{\w+ as handler\}/);
      expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
      expect(existsSync(path.join(asset, 'index.mjs.map'))).toBe(true);
      // Every mention of the SDK is an import of the runtime's copy, none is bundled code.
      expect(sdkSpecifiers.length).toBeGreaterThan(0);
      for (const [, before] of sdkSpecifiers) expect(before).toMatch(/from$/);
      expect(bundle).not.toContain('DynamoDB_20120810');
      expect(bundle.length).toBeLessThan(1_500_000);
    },
  );
});

describe('cdk synth without ninedataEndpoint', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'compare-watch-synth-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('fails, naming the key and showing the -c flag that fixes it', async () => {
    const run = await cdk(['synth', '--quiet'], outdir);

    expect(run.code).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('context ninedataEndpoint is required');
    expect(`${run.stdout}${run.stderr}`).toContain('-c ninedataEndpoint=https://');
  }, 60_000);
});
