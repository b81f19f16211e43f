/**
 * DynamoDB on this machine: dynalite in-process, on disk (local mode) or in memory (tests), with the
 * run table created as the stack creates it.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
// @ts-expect-error dynalite ships no types
import dynalite from 'dynalite';
import { RUN_TABLE } from '../../functions/adapters/run-table';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  address(): AddressInfo;
  close(callback: (error?: Error) => void): void;
}

/** Starts dynalite on 127.0.0.1. With `path`, data lives in that folder and survives a restart. */
export async function startDynalite(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  const server: DynaliteServer = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) =>
    server.listen(options.port ?? 0, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    client,
    documents,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Creates the run table (keys and index as in the stack) unless it exists. */
export async function ensureRunTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, sortKey, taskIndex } = RUN_TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: taskIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: taskIndex.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: taskIndex.name,
          KeySchema: [
            { AttributeName: taskIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: taskIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  // dynalite answers "resource not found" until the new table is ACTIVE.
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 },
    { TableName: tableName },
  );
}
