/**
 * The run table: run items, their snapshots (expiring by TTL) and the task index GSI1. On-demand,
 * point-in-time recovery, retained and deletion-protected unless the stage is disposable.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RUN_TABLE } from '../functions/adapters/run-table';

/** The item actions the run store uses; Scan only in local mode, so never granted here. */
export type RunTableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'Query';

export interface RunTableAccess {
  /** Actions on the table itself. */
  readonly table: readonly RunTableAction[];
  /** Whether the grantee queries the task index (runs of a task, the previous run). @default false */
  readonly queryTaskIndex?: boolean;
}

export interface RunTableProps {
  /**
   * A disposable stage's table goes with the stack; otherwise it is retained and protected from
   * deletion, since it holds the history the trend and `/tasks/{taskId}/runs` are built from.
   * @default false
   */
  readonly disposable?: boolean;
}

export class RunTable extends Construct {
  public readonly table: TableV2;
  /** GSI1's exact ARN, so grants never need the `index/*` wildcard. */
  public readonly taskIndexArn: string;

  constructor(scope: Construct, id: string, props: RunTableProps = {}) {
    super(scope, id);
    const disposable = props.disposable ?? false;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: RUN_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RUN_TABLE.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: RUN_TABLE.ttlAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: !disposable,
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: RUN_TABLE.taskIndex.name,
          partitionKey: { name: RUN_TABLE.taskIndex.partitionKey, type: AttributeType.STRING },
          sortKey: { name: RUN_TABLE.taskIndex.sortKey, type: AttributeType.STRING },
        },
      ],
    });
    this.taskIndexArn = `${this.table.tableArn}/index/${RUN_TABLE.taskIndex.name}`;
  }

  /** Grants exactly the listed actions: on the table, and Query on GSI1 when asked. */
  grant(grantee: IGrantable, access: RunTableAccess): void {
    if (access.table.length === 0 && !access.queryTaskIndex)
      throw new Error('RunTable.grant needs at least one action');
    if (access.table.length > 0) {
      Grant.addToPrincipal({
        grantee,
        actions: [...new Set(access.table)].map((action) => `dynamodb:${action}`),
        resourceArns: [this.table.tableArn],
      });
    }
    if (access.queryTaskIndex) {
      Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.taskIndexArn] });
    }
  }
}
