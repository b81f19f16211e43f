/**
 * The watch state machine's definition, taken from the synthesized stack: local mode and the tests
 * run exactly what `cdk deploy` would ship, with its CloudFormation references resolved to
 * local stand-in names.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CompareWatchStack } from '../compare-watch-stack';
import { type CompareWatchConfig, readConfig } from '../config';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON
type Json = any;

export interface WatchDefinition {
  /** The Amazon States Language document, ready for aws-local-stepfunctions. */
  definition: Json;
  /** The state machine's name as deployed, for ARNs in the context object. */
  stateMachineName: string;
}

/** Synthesizes the stack (no bundling, no validation: only the template matters) and returns it. */
export function synthesizeTemplate(context: Record<string, unknown> = {}): Json {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [], ...context },
  });
  const config = readConfig(
    (key) => ({ ninedataEndpoint: 'https://ninedata.local.invalid', ...context })[key],
  );
  const stack = new CompareWatchStack(app, 'CompareWatch', { config });
  return Template.fromStack(stack).toJSON();
}

export function watchDefinitionOf(template: Json): WatchDefinition {
  const resources: Record<string, Json> = template.Resources;
  const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const properties = machines[0].Properties;
  const definition = JSON.parse(resolve(properties.DefinitionString, resources));
  return { definition, stateMachineName: resolve(properties.StateMachineName, resources) };
}

/** The watch workflow as the stack defines it, for a configuration (defaults when omitted). */
export function watchDefinition(
  config: Partial<Record<keyof CompareWatchConfig, unknown>> = {},
): WatchDefinition {
  return watchDefinitionOf(synthesizeTemplate(config));
}

/** Resolves the few intrinsics a definition uses into plausible local names. */
function resolve(value: Json, resources: Record<string, Json>): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map((part: Json) => resolve(part, resources)).join(separator);
  }
  if (value.Ref) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': LOCAL_REGION,
      'AWS::AccountId': LOCAL_ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'CompareWatch',
    };
    if (pseudo[value.Ref]) return pseudo[value.Ref] as string;
    const type = resources[value.Ref]?.Type;
    if (type === 'AWS::SNS::Topic') return `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${value.Ref}`;
    return value.Ref;
  }
  if (value['Fn::GetAtt']) {
    const [id] = value['Fn::GetAtt'];
    if (resources[id]?.Type === 'AWS::Lambda::Function') {
      return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${id}`;
    }
    return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
  }
  throw new Error(`unsupported intrinsic in the state machine definition: ${JSON.stringify(value)}`);
}
