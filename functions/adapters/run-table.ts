/**
 * The run table's keys, shared by the DynamoDB store, the CDK construct and local mode so the
 * three can never disagree.
 */
export const RUN_TABLE = {
  partitionKey: 'PK',
  sortKey: 'SK',
  taskIndex: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  ttlAttribute: 'expiresAt',
} as const;

export const runKey = (execId: string) => ({ PK: `RUN#${execId}`, SK: 'RUN' });
export const snapshotSortKey = (observedAt: string) => `SNAP#${observedAt}`;
export const taskPartitionKey = (taskId: string) => `TASK#${taskId}`;

/**
 * Runs of a task sort by creation time, then by id. Ids are zero-padded to 20 digits so a shorter
 * id sorts before a longer one created in the same second.
 */
export const taskSortKey = (createdAt: string, execId: string) => `${createdAt}#${execId.padStart(20, '0')}`;
