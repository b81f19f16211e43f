/**
 * Local mode as a new user meets it: the real `npm start` process, driven over HTTP, stopped with
 * SIGTERM and started again on the same data folder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/house-function';

interface Started {
  child: ChildProcess;
  output: () => string;
  apiUrl: string;
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'compare-watch-e2e-'));
const children: ChildProcess[] = [];

afterAll(() => {
  // Each child leads its own process group: a failed test leaves nothing running behind it.
  for (const child of children) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function startLocal(port: number, extraEnv: Record<string, string> = {}): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      DEMO_SPEED: '10',
      POLL_MIN_SECONDS: '1',
      NINEDATA_ENDPOINT: '',
      NINEDATA_ACCESS_KEY_ID: '',
      NINEDATA_SECRET_KEY: '',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 40_000;
  while (!/API\s+(http:\/\/\S+)/.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no API URL in 40 s:\n${output}`);
    await delay(100);
  }
  const apiUrl = (/API\s+(http:\/\/\S+)/.exec(output) as RegExpExecArray)[1] as string;
  return { child, output: () => output, apiUrl };
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}

async function http(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: text ? JSON.parse(text) : null,
  };
}

function notifications(): { Subject: string; Message: string; MessageAttributes: Record<string, unknown> }[] {
  const file = path.join(dataDir, 'notifications.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function waitForResult(execId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = notifications().find((n) => JSON.parse(n.Message).run.execId === execId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no result for run ${execId} in ${timeoutMs} ms`);
    await delay(200);
  }
}

describe('npm start', () => {
  it('serves the API, watches runs to a result, stops on SIGTERM and resumes an interrupted watch', async () => {
    const port = await freePort();
    const first = await startLocal(port);
    const api = first.apiUrl;
    expect(api).toBe(`http://127.0.0.1:${port}`);
    expect(first.output()).toContain('no authorization locally');
    const demo = JSON.parse(readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
    const consistent: string = demo.consistent.execId;
    const differs: string = demo.withDifferences.execId;

    // Lookups, watches and task routes.
    const lookup = await http(`${api}/runs/${consistent}`);
    expect(lookup).toMatchObject({ status: 200, body: { execId: consistent, source: 'live' } });
    expect((await http(`${api}/runs/${differs}/watch`, { method: 'POST' })).status).toBe(202);
    expect((await http(`${api}/runs/${consistent}/watch`, { method: 'POST' })).status).toBe(202);
    expect(await http(`${api}/tasks/${demo.withDifferences.taskId}`)).toMatchObject({
      status: 200,
      body: { task: { taskId: demo.withDifferences.taskId, lastExecId: differs } },
    });
    expect((await http(`${api}/tasks/${demo.consistent.taskId}/runs`)).body.runs[0].execId).toBe(consistent);
    expect((await http(`${api}/openapi.json`)).body.openapi).toBe('3.1.0');

    // A few bad requests: each a problem+json 4xx.
    const bad = [
      await http(`${api}/runs/not-a-number`),
      await http(`${api}/runs/${consistent}`, { method: 'DELETE' }),
      await http(`${api}/nowhere`),
      await http(`${api}/tasks/${demo.idleTaskId}/runs`, {
        method: 'POST',
        body: 'x=1',
        headers: { 'content-type': 'text/plain' },
      }),
      await http(`${api}/tasks/${demo.idleTaskId}/runs`, {
        method: 'POST',
        body: JSON.stringify({ compareOption: { turbo: true } }),
        headers: { 'content-type': 'application/json' },
      }),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 405, 404, 415, 400]);
    for (const response of bad) expect(response.type).toBe('application/problem+json');

    // The consistent run's result arrives, as SNS would carry it.
    const result = await waitForResult(consistent, 30_000);
    expect(result.Subject).toBe(`NineData compare ${demo.consistent.taskId} #${consistent}: consistent`);
    expect(result.MessageAttributes).toMatchObject({
      outcome: { DataType: 'String', StringValue: 'consistent' },
    });
    const snapshotsBefore = (await http(`${api}/runs/${consistent}/snapshots?limit=100`)).body.snapshots;
    expect(snapshotsBefore[0].status).toBe('success');

    // Stop while the other watch is still going.
    expect((await http(`${api}/runs/${differs}`)).body.watch.state).toBe('watching');
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('stopped.');

    // Start again on the same data folder: history intact, the interrupted watch completes.
    const second = await startLocal(port);
    expect(second.output()).toMatch(new RegExp(`Resumed\\s+watches of runs ${differs}`));
    const after = await http(`${second.apiUrl}/runs/${consistent}`);
    expect(after.body).toMatchObject({
      source: 'store',
      final: true,
      result: { eventId: `compare-watch:${consistent}:result` },
    });
    expect((await http(`${second.apiUrl}/runs/${consistent}/snapshots?limit=100`)).body.snapshots).toEqual(
      snapshotsBefore,
    );
    const resumed = await waitForResult(differs, 40_000);
    expect(JSON.parse(resumed.Message)).toMatchObject({ outcome: 'inconsistent', differences: 1_302 });
    expect(notifications().filter((n) => JSON.parse(n.Message).run.execId === consistent)).toHaveLength(1);
    expect(await stop(second)).toBe(0);
  }, 150_000);

  it('stops at once with one clear line when only some NineData variables are set', async () => {
    const port = await freePort();

    const child = spawn('npm', ['start', '--silent'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        NINEDATA_ENDPOINT: 'https://nd.example.com',
        NINEDATA_ACCESS_KEY_ID: '',
        NINEDATA_SECRET_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')[0]).toBe(
      'compare-watch: NINEDATA_ENDPOINT is set but NINEDATA_ACCESS_KEY_ID and NINEDATA_SECRET_KEY are not: set all three to use a real NineData, or none for the built-in sandbox',
    );
  }, 30_000);
});
