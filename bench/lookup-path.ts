/**
 * The lookup path in local mode: GET /runs/{execId} served from the store, against the floor it
 * stands on (one raw GetItem of the same key through the same DynamoDB client, on the same
 * dynalite, in the same process), plus a live fetch (`?refresh=true`) from the NineData sandbox,
 * and the stored lookup through the local HTTP server.
 *
 * Everything shares one Node process and event loop (dynalite included), so the absolute figures
 * are this machine's local mode, not Lambda's; the ratio to raw GetItem is the handler's overhead.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { runKey } from '../functions/adapters/run-table';
import { noMetrics, silentLog, systemClock } from '../functions/core/ports';
import { normaliseRun } from '../functions/core/run-view';
import { createLookupHandler } from '../functions/http/lookup-api';
import { serveApi } from '../lib/local/http-bridge';
import { apiEvent } from '../test/support/api-events';
import { type BenchSection, formatNumber, formatRatio, formatTable, percentile } from './report';
import { startStandIns } from './stand-ins';

const RUNS = 1000;
const CONCURRENCY = 16;
const WARMUP_MS = 1000;
const ROUND_MS = 2000;
/** Rounds of each store path, alternating which goes first, so drift hits both alike. */
const ROUNDS = 3;
const LIVE_ROUNDS = 2;

interface Measured {
  requests: number;
  elapsedMs: number;
  latenciesMs: number[];
}

/** `concurrency` callers in a loop for `durationMs`; every call's latency. */
async function drive(durationMs: number, call: (i: number) => Promise<void>): Promise<Measured> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const i = next;
        next += 1;
        const t0 = performance.now();
        await call(i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { requests: latenciesMs.length, elapsedMs: performance.now() - started, latenciesMs };
}

function merge(parts: readonly Measured[]): Measured {
  return {
    requests: parts.reduce((n, p) => n + p.requests, 0),
    elapsedMs: parts.reduce((n, p) => n + p.elapsedMs, 0),
    latenciesMs: parts.flatMap((p) => p.latenciesMs),
  };
}

const perSecond = (m: Measured) => m.requests / (m.elapsedMs / 1000);

function figures(m: Measured) {
  return {
    requests: m.requests,
    perSecond: perSecond(m),
    p50Ms: percentile(m.latenciesMs, 50),
    p99Ms: percentile(m.latenciesMs, 99),
  };
}

export async function runLookupPathBenchmark(): Promise<BenchSection> {
  const standIns = await startStandIns(systemClock);
  try {
    const { store, tableName } = await standIns.newStore();
    // Final runs, so the lookup serves them from the store however old their observation is.
    const hourAgo = new Date(Date.now() - 3_600_000);
    const execIds = Array.from({ length: RUNS }, (_, i) =>
      standIns.sandbox.addRun({
        taskId: `cd-benchlookup${i % 20}`,
        startAt: hourAgo,
        startingSeconds: 1,
        durationSeconds: 60,
        sourceRows: 1_000_000,
        different: i % 7 === 0 ? 3 : 0,
      }),
    );
    let recorded = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (recorded < RUNS) {
          const execId = execIds[recorded] as string;
          recorded += 1;
          await store.recordObservation(normaliseRun(await standIns.nineData.getRun(execId), new Date()));
        }
      }),
    );

    const lookup = createLookupHandler({
      runs: store,
      nineData: standIns.nineData,
      clock: systemClock,
      freshSeconds: 10,
      watches: { start: async () => {} },
      settings: { deadlineSeconds: 86_400 },
      log: silentLog,
      metrics: noMetrics,
      credentialsHint: 'the bench',
    });
    const storedEvents = execIds.map((execId) => apiEvent({ path: `/runs/${execId}` }));
    const liveEvents = execIds.map((execId) => apiEvent({ path: `/runs/${execId}`, query: 'refresh=true' }));
    const idOf = (i: number) => execIds[i % RUNS] as string;

    const fromStore = async (i: number) => {
      const response = await lookup(storedEvents[i % RUNS] as (typeof storedEvents)[number]);
      if (response.statusCode !== 200 || !response.body?.includes('"source":"store"'))
        throw new Error(`stored lookup answered ${response.statusCode}: ${response.body?.slice(0, 200)}`);
    };
    const rawGet = async (i: number) => {
      const key = runKey(idOf(i));
      const { Item } = await standIns.dynamo.client.send(
        // As the store reads: strongly consistent.
        new GetItemCommand({
          TableName: tableName,
          Key: { PK: { S: key.PK }, SK: { S: key.SK } },
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) throw new Error(`raw GetItem found no run ${idOf(i)}`);
    };
    const live = async (i: number) => {
      const response = await lookup(liveEvents[i % RUNS] as (typeof liveEvents)[number]);
      if (response.statusCode !== 200 || !response.body?.includes('"source":"live"'))
        throw new Error(`live lookup answered ${response.statusCode}: ${response.body?.slice(0, 200)}`);
    };

    await drive(WARMUP_MS, fromStore);
    await drive(WARMUP_MS, rawGet);
    const lookups: Measured[] = [];
    const raws: Measured[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round % 2 === 0) {
        lookups.push(await drive(ROUND_MS, fromStore));
        raws.push(await drive(ROUND_MS, rawGet));
      } else {
        raws.push(await drive(ROUND_MS, rawGet));
        lookups.push(await drive(ROUND_MS, fromStore));
      }
    }
    await drive(WARMUP_MS / 2, live);
    const lives: Measured[] = [];
    for (let round = 0; round < LIVE_ROUNDS; round += 1) lives.push(await drive(ROUND_MS, live));

    const api = await serveApi(lookup, '127.0.0.1', 0);
    let overHttp: Measured;
    try {
      const viaHttp = async (i: number) => {
        const response = await fetch(`${api.url}/runs/${idOf(i)}`);
        const body = await response.text();
        if (response.status !== 200 || !body.includes('"source":"store"'))
          throw new Error(`HTTP lookup answered ${response.status}: ${body.slice(0, 200)}`);
      };
      await drive(WARMUP_MS / 2, viaHttp);
      overHttp = merge([await drive(ROUND_MS, viaHttp), await drive(ROUND_MS, viaHttp)]);
    } finally {
      await api.close();
    }

    const stored = figures(merge(lookups));
    const raw = figures(merge(raws));
    const liveFigures = figures(merge(lives));
    const http = figures(overHttp);
    const row = (label: string, f: ReturnType<typeof figures>) => [
      label,
      String(f.requests),
      formatNumber(f.perSecond),
      formatNumber(f.p50Ms),
      formatNumber(f.p99Ms),
    ];
    const table = formatTable(
      ['path (concurrency 16)', 'requests', 'req/s', 'p50 ms', 'p99 ms'],
      [
        row('raw GetItem, same client (baseline)', raw),
        row('GET /runs/{id} from the store (handler)', stored),
        row('GET /runs/{id}?refresh=true (live, sandbox)', liveFigures),
        row('GET /runs/{id} via local HTTP server', http),
      ],
    );
    const ratios = formatTable(
      ['vs raw GetItem', 'req/s', 'p50', 'p99'],
      [
        ['stored lookup', stored, raw] as const,
        ['live lookup', liveFigures, raw] as const,
        ['stored lookup over HTTP', http, raw] as const,
      ].map(([label, f, base]) => [
        label,
        formatRatio(f.perSecond, base.perSecond),
        formatRatio(f.p50Ms, base.p50Ms),
        formatRatio(f.p99Ms, base.p99Ms),
      ]),
    );
    const notes = [
      `${RUNS} final runs recorded through DynamoRunStore on in-memory dynalite; ${ROUNDS} interleaved ` +
        `${ROUND_MS / 1000} s rounds per store path after a ${WARMUP_MS / 1000} s warm-up, ${LIVE_ROUNDS} for live and HTTP.`,
      'A stored lookup is one strongly consistent GetItem plus routing, validation and the JSON view; a live one ' +
        'adds a signed NineData call to the loopback sandbox and a conditional write (the observation is touched).',
      'Client, handler, dynalite and sandbox share one process and its event loop: figures are local mode on this ' +
        'machine, not Lambda; the HTTP row adds Node’s HTTP server and fetch over loopback.',
    ];
    return {
      name: 'lookup-path',
      title: 'Lookup path in local mode (dynalite + sandbox on loopback)',
      text: [table, ratios, notes.map((n) => `- ${n}`).join('\n')].join('\n\n'),
      data: {
        runs: RUNS,
        concurrency: CONCURRENCY,
        roundMs: ROUND_MS,
        rawGetItem: raw,
        storedLookup: stored,
        liveLookup: liveFigures,
        storedLookupOverHttp: http,
        ratios: {
          storedVsRaw: {
            perSecond: stored.perSecond / raw.perSecond,
            p50: stored.p50Ms / raw.p50Ms,
            p99: stored.p99Ms / raw.p99Ms,
          },
          liveVsRaw: {
            perSecond: liveFigures.perSecond / raw.perSecond,
            p50: liveFigures.p50Ms / raw.p50Ms,
            p99: liveFigures.p99Ms / raw.p99Ms,
          },
        },
      },
    };
  } finally {
    await standIns.close();
  }
}
