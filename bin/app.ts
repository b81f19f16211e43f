#!/usr/bin/env node
/**
 * CDK entry: reads and validates the configuration, instantiates the stack and checks it against
 * cdk-nag's AwsSolutions pack (an unacknowledged finding fails the synth).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CompareWatchStack } from '../lib/compare-watch-stack';
import { ConfigError, readConfig, readStackName } from '../lib/config';
import { OPEN_API_WARNING } from '../lib/lookup-api';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try {
  const context = (key: string) => app.node.tryGetContext(key);
  const config = readConfig(context);
  new CompareWatchStack(app, readStackName(context), {
    config,
    description: 'compare-watch: watches NineData data-comparison runs',
  });
  if (config.apiAuthorization === 'none') console.warn(`compare-watch: WARNING ${OPEN_API_WARNING}`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`compare-watch: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
