/** A dynalite server per test file, and a fresh run table per test. */
import { afterAll, beforeAll } from 'vitest';
import { ensureRunTable, type LocalDynamo, startDynalite } from '../../lib/local/dynalite';

let tables = 0;

export function useDynalite(): { dynamo: () => LocalDynamo; newTable: () => Promise<string> } {
  let dynamo: LocalDynamo | undefined;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.close();
  });
  const current = () => {
    if (!dynamo) throw new Error('dynalite is not started yet');
    return dynamo;
  };
  return {
    dynamo: current,
    newTable: async () => {
      tables += 1;
      const name = `runs-${process.pid}-${tables}`;
      await ensureRunTable(current().client, name);
      return name;
    },
  };
}
