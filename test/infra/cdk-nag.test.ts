import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnTopic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synthesize } from './synth';

interface Acknowledgement {
  holder: IConstruct;
  ruleId: string;
  reason: string;
}

/** Acknowledgements as Validations.of(x).acknowledge() records them in construct metadata. */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((holder) =>
    holder.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          holder,
          ruleId: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/**
 * Runs the AwsSolutions pack and records which acknowledgement silenced each finding, so an
 * acknowledgement that no longer silences anything shows up as stale.
 */
function runChecks(root: IConstruct) {
  const checks = new AwsSolutionsChecks();
  const used = new Set<Acknowledgement>();
  const declared = acknowledgements(root);
  // isAcknowledged is where the pack consults acknowledgements: wrap it to see which ones answer.
  const pack = checks as unknown as { isAcknowledged(resource: IConstruct, ruleId: string): boolean };
  const original = pack.isAcknowledged.bind(checks);
  pack.isAcknowledged = (resource, ruleId) => {
    const acknowledged = original(resource, ruleId);
    if (acknowledged) {
      const ancestors = new Set(resource.node.scopes);
      for (const ack of declared) if (ack.ruleId === ruleId && ancestors.has(ack.holder)) used.add(ack);
    }
    return acknowledged;
  };
  const report = checks.validateScope(root);
  return { report, declared, stale: declared.filter((ack) => !used.has(ack)) };
}

const CONFIGURATIONS: Record<string, Record<string, unknown>> = {
  default: {},
  'an open API': { apiAuthorization: 'none' },
  'an existing secret by ARN': {
    ninedataSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ninedata-AbC123',
  },
  'an existing secret by name': { ninedataSecret: 'ninedata/prod' },
  'a disposable stage with subscriptions': {
    disposable: 'true',
    notifyEmails: 'a@example.com',
    alarmEmails: 'b@example.com',
  },
};

describe('cdk-nag AwsSolutions checks', () => {
  for (const [name, context] of Object.entries(CONFIGURATIONS)) {
    it(`find nothing unacknowledged with ${name}`, () => {
      expect(() => synthesize(context, { nag: true })).not.toThrow();

      const { report } = runChecks(synthesize(context).app);
      expect(
        report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
      ).toEqual([]);
    });

    it(`keep no stale acknowledgement with ${name}`, () => {
      const { app } = synthesize(context);

      expect(runChecks(app).stale.map((a) => `${a.ruleId} at ${a.holder.node.path}`)).toEqual([]);
    });
  }

  it('place every acknowledgement on the resource it concerns or its owner, with a reason', () => {
    const { app } = synthesize({ apiAuthorization: 'none' });
    const declared = acknowledgements(app);

    expect(declared.length).toBeGreaterThan(0);
    for (const { holder, ruleId, reason } of declared) {
      const where = `${ruleId} at ${holder.node.path}`;
      expect(Stack.isStack(holder) || holder === app, where).toBe(false);
      // The holder is a resource, or an L2 construct whose own resource is its default child.
      const resource = CfnResource.isCfnResource(holder) ? holder : holder.node.defaultChild;
      expect(resource && CfnResource.isCfnResource(resource), where).toBe(true);
      expect(reason.length, where).toBeGreaterThan(40);
    }
  });

  it('report an acknowledgement that silences nothing as stale', () => {
    const { app } = synthesize(
      {},
      {
        extend: (stack) =>
          Validations.of(stack.table).acknowledge({
            id: 'AwsSolutions-DDB3',
            reason: 'PITR is on: nothing to silence',
          }),
      },
    );

    expect(runChecks(app).stale.map((a) => a.ruleId)).toEqual(['AwsSolutions-DDB3']);
  });

  it('fail the synth when a finding is not acknowledged', () => {
    // An unencrypted, HTTP-reachable topic: SNS2 and SNS3 findings nobody acknowledged.
    const addUnreviewedTopic = (stack: Stack) => new CfnTopic(stack, 'UnreviewedTopic');

    expect(() => synthesize({}, { nag: true, extend: addUnreviewedTopic })).toThrow(/AwsSolutions-SNS[23]/);
  });
});
