/**
 * The house Lambda function: every compare-watch function gets the same defaults, so none can
 * drift: explicit Node.js 24 on arm64, ESM bundle with the AWS SDK left to the runtime, its own log
 * group with retention, X-Ray tracing, source maps, and a role that may write to that log group and
 * nothing else until a construct grants it more.
 */
import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/adapters/powertools-telemetry';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/** CommonJS dependencies (undici) call require() for Node built-ins inside an ESM bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface HouseFunctionProps {
  /** The entry file under functions/, without extension, e.g. `lookup`. */
  readonly entry: string;
  readonly description: string;
  /** Typed configuration, already validated, as environment variables. Never a secret value. */
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class HouseFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: LogGroup;
  /** The function's role: log writes to its own group and X-Ray, plus what constructs grant. */
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.entry))
      throw new Error(`HouseFunction entry must be a file name under functions/, got ${props.entry}`);
    const memorySize = props.memorySize ?? 256;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240)
      throw new Error(`HouseFunction memorySize must be 128–10240 MB, got ${memorySize}`);
    const secretLike = Object.keys(props.environment).filter((name) =>
      /SECRET(?!_ARN$)|PASSWORD|ACCESS_?KEY|TOKEN/i.test(name),
    );
    if (secretLike.length > 0)
      throw new Error(
        `HouseFunction environment must pass secrets by ARN, not value: ${secretLike.join(', ')}`,
      );

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may create log groups
    // and write to any of them; this role writes to the function's own group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (function role)`,
    });
    this.logGroup.grantWrite(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions, so X-Ray requires Resource "*" (the only wildcard in this role).',
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', `${props.entry}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      projectRoot: PROJECT_ROOT,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // The Node.js 24 runtime ships SDK v3; bundling it would add megabytes and pin its version.
        externalModules: ['@aws-sdk/*'],
        banner: ESM_REQUIRE_BANNER,
        forceDockerBundling: false,
      },
    });
  }
}
