/**
 * Local stand-ins the benchmarks share: dynalite with the run table, the NineData sandbox, and a
 * NineData client signed for it. The same pieces local mode and the tests use, without vitest.
 */
import { DynamoRunStore } from '../functions/adapters/dynamo-run-store';
import type { Clock } from '../functions/core/ports';
import { createNineDataClient, type NineDataClient } from '../functions/ninedata/client';
import type { Credentials } from '../functions/ninedata/signing';
import { closeNineDataTransports } from '../functions/ninedata/transport';
import { ensureRunTable, type LocalDynamo, startDynalite } from '../lib/local/dynalite';
import { type Sandbox, startSandbox } from '../lib/local/sandbox';

export const BENCH_CREDENTIALS: Credentials = { accessKeyId: 'AK-bench', secretKey: 'sk-bench-not-a-secret' };

export interface StandIns {
  dynamo: LocalDynamo;
  sandbox: Sandbox;
  nineData: NineDataClient;
  /** Creates a fresh run table (as the stack defines it) and a store on it. */
  newStore(options?: { documents?: LocalDynamo['documents']; clock?: Clock }): Promise<{
    store: DynamoRunStore;
    tableName: string;
  }>;
  close(): Promise<void>;
}

let tables = 0;

/** dynalite in memory and the sandbox, both on 127.0.0.1, sharing `clock`. */
export async function startStandIns(clock: Clock): Promise<StandIns> {
  const dynamo = await startDynalite();
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ credentials: BENCH_CREDENTIALS, clock });
  } catch (error) {
    await dynamo.close();
    throw error;
  }
  const nineData = createNineDataClient({
    endpoint: sandbox.url,
    credentials: async () => BENCH_CREDENTIALS,
    clock,
  });
  return {
    dynamo,
    sandbox,
    nineData,
    async newStore(options = {}) {
      tables += 1;
      const tableName = `bench-runs-${tables}`;
      await ensureRunTable(dynamo.client, tableName);
      const store = new DynamoRunStore({
        client: options.documents ?? dynamo.documents,
        tableName,
        snapshotRetentionDays: 30,
        clock: options.clock ?? clock,
      });
      return { store, tableName };
    },
    async close() {
      await closeNineDataTransports();
      await sandbox.close();
      await dynamo.close();
    },
  };
}

/** Milliseconds `work` took, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}
