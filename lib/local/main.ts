/**
 * `npm start`: compare-watch on this machine, no AWS account. Prints where everything is, serves
 * until SIGINT or SIGTERM, then stops cleanly (exit 0); the next start picks up running watches.
 */
import './polyfills';
import { ConfigurationError, readLocalConfig } from './local-config';
import { type LocalSystem, startLocalSystem } from './system';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function banner(system: LocalSystem, usingSandbox: boolean, webhooks: string[], demoSpeed: number): string {
  const api = system.apiUrl;
  const demo = system.demo;
  const lines = [
    '',
    'compare-watch is running locally (no AWS account; nothing leaves this machine but what you configure).',
    '',
    `  API            ${api}   (no authorization locally — deployed, every route needs IAM/SigV4)`,
    `  NineData       ${usingSandbox ? `built-in sandbox at ${system.nineDataUrl} (demo runs progress in real time)` : system.nineDataUrl}`,
    `  Data           ${system.notificationsFile.replace(/notifications\.jsonl$/, '')}  (DynamoDB via dynalite; survives restarts)`,
    `  Results        console, ${system.notificationsFile}${webhooks.length ? `, webhooks: ${webhooks.join(', ')}` : ''}`,
    `  API reference  ${api}/openapi.json`,
  ];
  if (system.resumed.length > 0) lines.push(`  Resumed        watches of runs ${system.resumed.join(', ')}`);
  if (demo) {
    const pace = demoSpeed === 1 ? '' : `, played ${demoSpeed}× faster`;
    lines.push(
      '',
      `Demo runs (started when this data folder was created${pace}):`,
      `  ${demo.consistent.execId}  consistent, about a minute            (task ${demo.consistent.taskId})`,
      `  ${demo.withDifferences.execId}  finds differences, about 2 minutes   (task ${demo.withDifferences.taskId})`,
      `  ${demo.failing.execId}  fails part-way, about a minute       (task ${demo.failing.taskId})`,
      `  ${demo.longRunning.execId}  runs for 3 hours                     (task ${demo.longRunning.taskId})`,
      `  task ${demo.idleTaskId} has no run yet: start one with POST /tasks/${demo.idleTaskId}/runs`,
    );
  }
  const execId = demo?.withDifferences.execId ?? '<execId>';
  lines.push(
    '',
    'Try:',
    `  curl -s ${api}/runs/${execId}`,
    `  curl -s -X POST ${api}/runs/${execId}/watch`,
    `  curl -s ${api}/runs/${execId}/snapshots`,
    `  curl -s -X POST -H 'content-type: application/json' -d '{}' ${api}/tasks/${demo?.idleTaskId ?? '<taskId>'}/runs`,
    '',
    'Ctrl-C stops; watches under way resume on the next start.',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config: ReturnType<typeof readLocalConfig>;
  try {
    config = readLocalConfig(process.env, process.cwd());
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`compare-watch: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  let system: LocalSystem;
  try {
    system = await startLocalSystem(config);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      console.error(
        `compare-watch: port ${config.port} on ${config.host} is in use: set PORT to a free port, e.g. PORT=${config.port + 1} npm start`,
      );
    } else if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      console.error(
        `compare-watch: cannot listen on ${config.host}:${config.port} (${code}): set HOST and PORT to an address of this machine`,
      );
    } else if (code === 'LEVEL_LOCKED' || /lock/i.test(String((error as Error).message))) {
      console.error(
        `compare-watch: the data folder ${config.dataDir} is in use by another compare-watch: stop it, or set DATA_DIR`,
      );
    } else {
      console.error(`compare-watch: could not start: ${(error as Error).message}`);
    }
    process.exit(1);
  }

  console.log(banner(system, config.nineData === null, config.webhooks, config.demoSpeed));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\ncompare-watch: ${signal} received; finishing requests and writes under way…`);
    await system.stop();
    console.log('compare-watch: stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
