import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../lib/compare-watch-stack';
import { readConfig, readStackName } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/house-function';
import { type Json, type Synthesized, synthesize } from './synth';

/** The README's deploy section, from its heading to the next top-level section. */
const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## Deploying to AWS');
if (start < 0) throw new Error('README.md has no "## Deploying to AWS" section');
const doc = readme.slice(start, readme.indexOf('\n## ', start + 1));

/** Rows of the markdown table whose header starts with `| <first> |`, as cells. */
function tableRows(first: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  if (start < 0) throw new Error(`no table headed ${first}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The context keys the app reads, found by asking the config readers with a recording context. */
function contextKeysRead(): string[] {
  const keys = new Set<string>();
  const context = (key: string) => {
    keys.add(key);
    return key === 'ninedataEndpoint' ? 'https://ninedata.example.com' : undefined;
  };
  readConfig(context);
  readStackName(context);
  return [...keys].sort();
}

describe("the README's deploy section", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize();
  });

  it('lists exactly the context keys the app reads, with their defaults', () => {
    const rows = tableRows('key');
    const defaults: Record<string, unknown> = {
      ...readConfig((key) => (key === 'ninedataEndpoint' ? 'https://ninedata.example.com' : undefined)),
      stackName: readStackName(() => undefined),
    };

    expect(rows.map(([key]) => key?.replaceAll('`', '')).sort()).toEqual(contextKeysRead());
    for (const [cell, documented] of rows) {
      const key = cell?.replaceAll('`', '') ?? '';
      const value = defaults[key];
      if (key === 'ninedataEndpoint') expect(documented).toBe('(required)');
      else if (value === null || (Array.isArray(value) && value.length === 0))
        expect(documented, key).toMatch(/^none/);
      else expect(documented, key).toBe(String(value));
    }
  });

  it('names every stack output', () => {
    const rows = tableRows('output');

    expect(rows.map(([name]) => name?.replaceAll('`', '')).sort()).toEqual([...STACK_OUTPUTS].sort());
  });

  it('names every alarm and the dashboard as the stack names them', () => {
    const alarmNames = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm: Json) => alarm.Properties.AlarmName as string,
    );
    const documented = tableRows('alarm').map(([name]) =>
      name?.replaceAll('`', '').replace('<stackName>', 'CompareWatch'),
    );
    const [dashboard] = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard')) as Json[];

    expect(documented.sort()).toEqual(alarmNames.sort());
    expect(doc).toContain(
      `\`${String(dashboard.Properties.DashboardName).replace('CompareWatch', '<stackName>')}\``,
    );
  });

  it('shows how to sign API calls and fill the secret', () => {
    expect(doc).toContain('curl --aws-sigv4 "aws:amz:$REGION:execute-api"');
    expect(doc).toContain('--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"');
    expect(doc).toContain('-H "x-amz-security-token: $AWS_SESSION_TOKEN"');
    expect(doc).toContain('aws secretsmanager put-secret-value --secret-id "$(output CredentialsSecretArn)"');
  });
});
