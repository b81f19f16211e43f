#!/usr/bin/env node
/** CDK entry: reads and validates the configuration, then instantiates the stack. */
import { App } from 'aws-cdk-lib';
import { CompareWatchStack } from '../lib/compare-watch-stack';
import { ConfigError, readConfig } from '../lib/config';

const app = new App();
try {
  const config = readConfig((key) => app.node.tryGetContext(key));
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'CompareWatch';
  new CompareWatchStack(app, stackName, {
    config,
    description: 'compare-watch: watches NineData data-comparison runs',
  });
  if (config.apiAuthorization === 'none') {
    console.warn('compare-watch: apiAuthorization=none — the HTTP API is OPEN to anyone who knows its URL.');
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`compare-watch: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
