/**
 * The HTTP API in front of the lookup function: IAM (SigV4) authorization on every route unless the
 * configuration opens it on purpose, JSON access logs with retention, default stage throttling.
 */
import { Annotations, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiAuthorization } from './config';

/** The routes of the HTTP API; the lookup function serves them all (and answers 404/405 itself). */
export const API_ROUTES: readonly { method: HttpMethod; path: string }[] = [
  { method: HttpMethod.GET, path: '/runs/{execId}' },
  { method: HttpMethod.GET, path: '/runs/{execId}/snapshots' },
  { method: HttpMethod.POST, path: '/runs/{execId}/watch' },
  { method: HttpMethod.GET, path: '/tasks/{taskId}' },
  { method: HttpMethod.POST, path: '/tasks/{taskId}/watch' },
  { method: HttpMethod.GET, path: '/tasks/{taskId}/runs' },
  { method: HttpMethod.POST, path: '/tasks/{taskId}/runs' },
  { method: HttpMethod.GET, path: '/openapi.json' },
];

/** Fields of one access log line; Logs Insights discovers them from the JSON. */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  userAgent: '$context.identity.userAgent',
  latency: '$context.responseLatency',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
} as const;

export const OPEN_API_WARNING =
  'apiAuthorization=none: the HTTP API is OPEN to anyone who knows its URL, and can start NineData comparison runs on your behalf.';

export interface LookupApiProps {
  /** The function that serves every route. */
  readonly handler: IFunction;
  /** `iam` requires SigV4-signed requests on every route; `none` opens the API. @default 'iam' */
  readonly authorization?: ApiAuthorization;
  /** Default stage throttling. @default 25 requests per second, bursts of 50 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

export class LookupApi extends Construct {
  public readonly api: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  public readonly routes: readonly HttpRoute[];
  /** The API's base URL (the default stage serves the root). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: LookupApiProps) {
    super(scope, id);
    const authorization = props.authorization ?? 'iam';
    const throttle = props.throttle ?? { rateLimit: 25, burstLimit: 50 };
    if (throttle.rateLimit <= 0 || throttle.burstLimit <= 0)
      throw new Error('LookupApi throttle limits must be positive');

    const authorizer: IHttpRouteAuthorizer =
      authorization === 'iam' ? new HttpIamAuthorizer() : new HttpNoneAuthorizer();
    this.api = new HttpApi(this, 'Api', {
      description: 'compare-watch: look up, start and watch NineData comparison runs',
      defaultAuthorizer: authorizer,
      // Our own $default stage below, since only a stage created explicitly takes access logs and throttling.
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.api.apiEndpoint;

    const integration = new HttpLambdaIntegration('Lookup', props.handler);
    const routes: HttpRoute[] = [];
    for (const { method, path } of API_ROUTES) {
      routes.push(...this.api.addRoutes({ path, methods: [method], integration }));
    }
    // Anything else also reaches the function, so callers get its problem+json 404 and 405.
    routes.push(...this.api.addRoutes({ path: '/{proxy+}', methods: [HttpMethod.ANY], integration }));
    this.routes = routes;

    if (authorization === 'none') {
      Annotations.of(this).addWarningV2('compare-watch:OpenApi', OPEN_API_WARNING);
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: 'Opened on purpose: the deployment set the context value apiAuthorization=none.',
        });
      }
    }
  }
}
