/**
 * Synthesizes the stack for template assertions on the fast path: no esbuild bundling, no built-in
 * CloudFormation validation (test/infra/full-synth.test.ts runs both). cdk-nag is added on request.
 */
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CompareWatchStack } from '../../lib/compare-watch-stack';
import { readConfig } from '../../lib/config';

export const ENDPOINT = 'https://ninedata.example.com';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
export type Json = any;

export interface Synthesized {
  app: App;
  stack: CompareWatchStack;
  template: Template;
  /** The stack-relative rendering of a token (`{ Ref: … }`, `{ 'Fn::GetAtt': … }`), for comparisons. */
  resolve(value: unknown): Json;
  logicalId(construct: IConstruct): string;
}

export function synthesize(
  context: Record<string, unknown> = {},
  options: { nag?: boolean; extend?: (stack: CompareWatchStack) => void } = {},
): Synthesized {
  const values: Record<string, unknown> = { ninedataEndpoint: ENDPOINT, ...context };
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [], ...values },
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new CompareWatchStack(app, 'CompareWatch', { config: readConfig((key) => values[key]) });
  options.extend?.(stack);
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    resolve: (value) => stack.resolve(value),
    logicalId: (construct) => stack.getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/** Every (action, resource) pair that IAM policies attached to a role allow. */
export function allowedPairs(template: Template, roleLogicalId: string): string[] {
  const pairs: string[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as Json[]) {
    const roles: Json[] = policy.Properties.Roles ?? [];
    if (!roles.some((role) => role.Ref === roleLogicalId)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement as Json[]) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of [statement.Action].flat())
        for (const resource of [statement.Resource].flat()) pairs.push(pair(action, resource));
    }
  }
  return pairs.sort();
}

export function pair(action: string, resource: unknown): string {
  return `${action} on ${JSON.stringify(resource)}`;
}

export function pairs(actions: readonly string[], resource: unknown): string[] {
  return actions.map((action) => pair(action, resource));
}
