/**
 * The whole of compare-watch on one machine: the same lookup, poll and finalize handlers as the
 * Lambdas, wired to local stand-ins — dynalite on disk, the synthesized state machine under
 * aws-local-stepfunctions, the results topic as console + JSON lines + webhooks, and NineData
 * either real or the built-in sandbox.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoRunStore } from '../../functions/adapters/dynamo-run-store';
import { validatePollPolicyConfig } from '../../functions/core/poll-policy';
import { noMetrics, systemClock } from '../../functions/core/ports';
import { watchStateOf } from '../../functions/core/watch';
import { createLookupHandler } from '../../functions/http/lookup-api';
import { createNineDataClient } from '../../functions/ninedata/client';
import { closeNineDataTransports } from '../../functions/ninedata/transport';
import { createFinalizeHandler, createPollHandler } from '../../functions/watch-handlers';
import { ConsoleLog } from './console-log';
import { watchDefinition } from './definition';
import { ensureRunTable, type LocalDynamo, startDynalite } from './dynalite';
import { type ApiServer, serveApi } from './http-bridge';
import type { LocalConfig } from './local-config';
import { LocalPublisher } from './local-publisher';
import { LocalWorkflow } from './local-workflow';
import { type DemoRuns, type Sandbox, seedDemo, startSandbox } from './sandbox';

export const LOCAL_TABLE = 'compare-watch-runs';

export interface LocalSystem {
  apiUrl: string;
  nineDataUrl: string;
  /** The demo runs, when NineData is the sandbox (seeded on the first start, kept in the data folder). */
  demo: DemoRuns | null;
  sandbox: Sandbox | null;
  notificationsFile: string;
  /** Watches picked up again from the store at start. */
  resumed: string[];
  workflow: LocalWorkflow;
  store: DynamoRunStore;
  /** Stops accepting requests, lets requests and task writes under way finish, closes everything. */
  stop(): Promise<void>;
}

export async function startLocalSystem(config: LocalConfig): Promise<LocalSystem> {
  mkdirSync(config.dataDir, { recursive: true });
  const clock = systemClock;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };

  try {
    const dynamo: LocalDynamo = await startDynalite({ path: path.join(config.dataDir, 'dynamodb') });
    closers.push(() => dynamo.close());
    await ensureRunTable(dynamo.client, LOCAL_TABLE);
    const store = new DynamoRunStore({
      client: dynamo.documents,
      tableName: LOCAL_TABLE,
      snapshotRetentionDays: config.snapshotRetentionDays,
      clock,
    });

    let sandbox: Sandbox | null = null;
    let demo: DemoRuns | null = null;
    let credentials = config.nineData;
    if (credentials === null) {
      // A random secret per data folder would survive restarts too; a fixed one keeps curl demos simple.
      credentials = { endpoint: '', accessKeyId: 'local-sandbox', secretKey: 'local-sandbox-secret' };
      const stateFile = path.join(config.dataDir, 'sandbox.json');
      const demoFile = path.join(config.dataDir, 'demo.json');
      const firstStart = !existsSync(stateFile);
      sandbox = await startSandbox({ credentials, clock, stateFile });
      closers.push(() => (sandbox as Sandbox).close());
      if (firstStart) {
        demo = seedDemo(sandbox, { speed: config.demoSpeed });
        writeFileSync(demoFile, JSON.stringify(demo, null, 2));
      } else if (existsSync(demoFile)) {
        demo = JSON.parse(readFileSync(demoFile, 'utf8')) as DemoRuns;
      }
      credentials = { ...credentials, endpoint: sandbox.url };
    }
    const nineDataCredentials = { accessKeyId: credentials.accessKeyId, secretKey: credentials.secretKey };
    const nineData = createNineDataClient({
      endpoint: credentials.endpoint,
      credentials: async () => nineDataCredentials,
      clock,
    });
    closers.push(() => closeNineDataTransports());

    const notificationsFile = path.join(config.dataDir, 'notifications.jsonl');
    const publisherLog = new ConsoleLog(config.logLevel);
    const publisher = new LocalPublisher({
      file: notificationsFile,
      webhooks: config.webhooks,
      log: publisherLog,
    });
    closers.push(() => publisher.drain(5_000));

    const policy = validatePollPolicyConfig({
      minSeconds: config.pollMinSeconds,
      maxSeconds: config.pollMaxSeconds,
    });
    const workflow = new LocalWorkflow({
      definition: watchDefinition({
        pollMinSeconds: config.pollMinSeconds,
        pollMaxSeconds: config.pollMaxSeconds,
        historyGuardPolls: config.historyGuardPolls,
      }),
      log: new ConsoleLog(config.logLevel),
      handlers: {
        poll: createPollHandler({
          runs: store,
          nineData,
          clock,
          policy,
          historyGuardPolls: config.historyGuardPolls,
          log: new ConsoleLog(config.logLevel === 'debug' ? 'debug' : 'warn'),
          metrics: noMetrics,
        }),
        finalize: createFinalizeHandler({
          runs: store,
          publisher,
          clock,
          apiUrl: null,
          log: new ConsoleLog(config.logLevel),
          metrics: noMetrics,
        }),
      },
    });
    closers.push(() => workflow.stop());

    const lookup = createLookupHandler({
      runs: store,
      nineData,
      clock,
      freshSeconds: config.lookupFreshSeconds,
      watches: workflow,
      settings: { deadlineSeconds: config.watchDeadlineSeconds },
      log: new ConsoleLog(config.logLevel),
      metrics: noMetrics,
      credentialsHint: config.nineData
        ? 'NINEDATA_ACCESS_KEY_ID and NINEDATA_SECRET_KEY'
        : 'the local sandbox',
    });
    const api: ApiServer = await serveApi(lookup, config.host, config.port);
    closers.push(() => api.close());

    // Watches that were going when local mode last stopped carry on from the store.
    const resumed: string[] = [];
    for (const record of await store.listWatching()) {
      const watch = record.watch;
      if (watch === null) continue;
      await workflow.start(watch.executionName, { ...watchStateOf(watch), polls: 0 });
      resumed.push(record.view.execId);
    }

    return {
      apiUrl: api.url,
      nineDataUrl: credentials.endpoint,
      demo,
      sandbox,
      notificationsFile,
      resumed,
      workflow,
      store,
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
