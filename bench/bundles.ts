/**
 * The Lambda bundles as `cdk deploy` would ship them: the stack is synthesized with bundling on,
 * so NodejsFunction runs the installed esbuild with exactly the options of lib/house-function.ts
 * (ESM, minified, node24, `@aws-sdk/*` external, the createRequire banner, source maps). Reported:
 * minified size and gzip size of each function's index.mjs, and the time a fresh Node process
 * takes to import it, against a Node process that imports nothing.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, PROJECT_ROOT } from '../lib/house-function';
import { type BenchSection, formatNumber, formatRatio, formatTable, percentile } from './report';

/** Timed imports per bundle (and empty processes), interleaved round by round. */
const IMPORT_RUNS = 10;

/** Values for environment variables the template sets from CloudFormation references. */
const DUMMY_ENV: Readonly<Record<string, string>> = {
  TABLE_NAME: 'compare-watch-runs',
  NINEDATA_ENDPOINT: 'https://example.com',
  NINEDATA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:x',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:x',
  API_URL: 'https://api.example.com',
  WATCH_DEADLINE_SECONDS: '86400',
};

interface SynthesizedFunction {
  logicalId: string;
  assetHash: string;
  memorySize: number;
  environment: Record<string, unknown>;
}

/**
 * Synthesizes the stack with bundling in a child process: CDK's local bundling hands esbuild the
 * console, and the child keeps that out of the report. Returns the Lambda functions it found.
 */
function synthesizeWithBundling(outdir: string): SynthesizedFunction[] {
  const script = `
    import { synthesizeTemplate } from './lib/local/definition';
    const template = synthesizeTemplate({ 'aws:cdk:bundling-stacks': ['**'] });
    const functions = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && typeof r.Properties.Code?.S3Key === 'string')
      .map(([logicalId, r]) => ({
        logicalId,
        assetHash: r.Properties.Code.S3Key.replace(/\\.zip$/, ''),
        memorySize: r.Properties.MemorySize,
        environment: r.Properties.Environment?.Variables ?? {},
      }));
    process.stdout.write(JSON.stringify(functions));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_OUTDIR: outdir },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bundling synth failed (${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout) as SynthesizedFunction[];
}

/** HouseFunction ids are the entry names: `PollFunctionB53CB115` is functions/poll.ts. */
function entryOf(logicalId: string): string {
  return logicalId.replace(/Function[0-9A-F]{8}$/, '').replace(/^./, (c) => c.toLowerCase());
}

/** The function's environment as Lambda would set it, with references replaced by dummies. */
function environmentOf(fn: SynthesizedFunction): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: 'us-east-1', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [name, value] of Object.entries(fn.environment)) {
    const dummy = DUMMY_ENV[name];
    if (dummy !== undefined) env[name] = dummy;
    else if (typeof value === 'string') env[name] = value;
    else throw new Error(`${fn.logicalId}: no dummy for ${name}, which the template sets from a reference`);
  }
  return env;
}

/** Reports any socket or DNS lookup the import makes, on stderr, for a one-off check. */
const NETWORK_PROBE = `data:text/javascript,${encodeURIComponent(`
  import net from 'node:net';
  import dns from 'node:dns';
  const report = (what) => process.stderr.write('NETWORK-IO ' + what + '\\n');
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) { report('connect'); return connect.apply(this, args); };
  const lookup = dns.lookup;
  dns.lookup = function (...args) { report('dns.lookup'); return lookup.apply(this, args); };
  const promised = dns.promises.lookup;
  dns.promises.lookup = function (...args) { report('dns.promises.lookup'); return promised.apply(this, args); };
`)}`;

/**
 * What each bundle is made of: esbuild's metafile for the same entry with the HouseFunction
 * options (which CDK does not keep), grouped by package. Also says whether it reproduced the
 * deployed bundle byte for byte, i.e. whether these options are still the house's.
 */
async function attribute(entry: string, deployed: Buffer) {
  const outfile = join(PROJECT_ROOT, 'cdk.out', 'bench-attribution', entry, 'index.mjs');
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'functions', `${entry}.ts`)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: { js: ESM_REQUIRE_BANNER },
    outfile,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path === outfile);
  const output = result.metafile.outputs[relative(PROJECT_ROOT, outfile)];
  if (js === undefined || output === undefined) throw new Error(`esbuild wrote no index.mjs for ${entry}`);
  const byPart = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const inPackage = input.lastIndexOf('node_modules/');
    let part = 'compare-watch code';
    if (inPackage >= 0) {
      const [scope, name] = input.slice(inPackage + 'node_modules/'.length).split('/');
      part = scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? input);
    }
    byPart.set(part, (byPart.get(part) ?? 0) + bytesInOutput);
  }
  const externals = [
    ...new Set(output.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path)),
  ].sort();
  return {
    sameBytesAsDeployed: Buffer.compare(Buffer.from(js.contents), deployed) === 0,
    externals,
    parts: [...byPart.entries()].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes),
  };
}

function runNode(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): { ms: number; stderr: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return { ms, stderr: child.stderr };
}

const importArgs = (file: string, extra = '') => [
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(pathToFileURL(file).href)});${extra}`,
];

export async function runBundlesBenchmark(): Promise<BenchSection> {
  const work = mkdtempSync(join(tmpdir(), 'compare-watch-bundles-'));
  try {
    const outdir = join(work, 'cdk.out');
    const functions = synthesizeWithBundling(outdir);
    // @aws-sdk/* stays external: the bundles import it from node_modules here, from the runtime in Lambda.
    const runDir = join(work, 'run');
    mkdirSync(runDir);
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(runDir, 'node_modules'), 'dir');

    const bundles = functions
      .map((fn) => {
        const asset = join(outdir, `asset.${fn.assetHash}`);
        if (!existsSync(join(asset, 'index.mjs'))) return null;
        const dir = join(runDir, entryOf(fn.logicalId));
        cpSync(asset, dir, { recursive: true });
        const code = readFileSync(join(dir, 'index.mjs'));
        const map = join(dir, 'index.mjs.map');
        return {
          name: entryOf(fn.logicalId),
          file: join(dir, 'index.mjs'),
          bytes: code.length,
          gzipBytes: gzipSync(code, { level: 9 }).length,
          mapBytes: existsSync(map) ? readFileSync(map).length : 0,
          memorySize: fn.memorySize,
          env: environmentOf(fn),
          code,
          importMs: [] as number[],
          emptyMs: [] as number[],
          sdkOnlyMs: [] as number[],
        };
      })
      .filter((b) => b !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (bundles.length === 0) throw new Error('the synthesized stack has no bundled function');

    const attributions = new Map<string, Awaited<ReturnType<typeof attribute>>>();
    for (const bundle of bundles) attributions.set(bundle.name, await attribute(bundle.name, bundle.code));

    // The import must not touch the network (clients connect lazily); checked once, untimed.
    for (const bundle of bundles) {
      const { stderr } = runNode(
        [
          '--import',
          NETWORK_PROBE,
          ...importArgs(bundle.file, 'await new Promise((r) => setTimeout(r, 200));'),
        ],
        bundle.env,
        runDir,
      );
      const io = stderr.split('\n').filter((line) => line.startsWith('NETWORK-IO'));
      if (io.length > 0)
        throw new Error(`importing the ${bundle.name} bundle did network I/O: ${io.join(', ')}`);
    }

    // Warm the file cache, then rounds in which each bundle and its empty twin (same env) alternate.
    // The SDK packages a bundle leaves external, imported alone: the share Lambda's runtime copy would take.
    const sdkOnlyArgs = (name: string) => [
      '--input-type=module',
      '-e',
      (attributions.get(name)?.externals ?? []).map((p) => `await import(${JSON.stringify(p)});`).join(''),
    ];
    for (const bundle of bundles) runNode(importArgs(bundle.file), bundle.env, runDir);
    for (let round = 0; round < IMPORT_RUNS; round += 1) {
      const order = round % 2 === 0 ? bundles : [...bundles].reverse();
      for (const bundle of order) {
        bundle.emptyMs.push(runNode(['--input-type=module', '-e', ''], bundle.env, runDir).ms);
        bundle.importMs.push(runNode(importArgs(bundle.file), bundle.env, runDir).ms);
        bundle.sdkOnlyMs.push(runNode(sdkOnlyArgs(bundle.name), bundle.env, runDir).ms);
      }
    }

    const emptyAll = bundles.flatMap((b) => b.emptyMs);
    const emptyP50 = percentile(emptyAll, 50);
    const rows = bundles.map((b) => {
      const p50 = percentile(b.importMs, 50);
      return {
        name: b.name,
        bytes: b.bytes,
        gzipBytes: b.gzipBytes,
        mapBytes: b.mapBytes,
        memorySize: b.memorySize,
        importP50Ms: p50,
        importMinMs: Math.min(...b.importMs),
        importMaxMs: Math.max(...b.importMs),
        emptyP50Ms: percentile(b.emptyMs, 50),
        overEmptyMs: p50 - percentile(b.emptyMs, 50),
        sdkOnlyP50Ms: percentile(b.sdkOnlyMs, 50),
        sdkOverEmptyMs: percentile(b.sdkOnlyMs, 50) - percentile(b.emptyMs, 50),
        ratioToEmpty: p50 / percentile(b.emptyMs, 50),
        attribution: attributions.get(b.name),
      };
    });
    const kb = (bytes: number) => `${formatNumber(bytes / 1024)} KB`;
    const table = formatTable(
      [
        'function',
        'index.mjs',
        'gzip -9',
        'source map',
        'memory',
        'cold import p50',
        'minus empty',
        'of which @aws-sdk',
        'vs empty node',
      ],
      rows.map((r) => [
        r.name,
        kb(r.bytes),
        kb(r.gzipBytes),
        kb(r.mapBytes),
        `${r.memorySize} MB`,
        `${formatNumber(r.importP50Ms)} ms`,
        `${formatNumber(r.overEmptyMs)} ms`,
        `${formatNumber(r.sdkOverEmptyMs)} ms`,
        formatRatio(r.importP50Ms, r.emptyP50Ms),
      ]),
    );
    const parts = formatTable(
      ['largest parts (bytes in index.mjs)', ...[1, 2, 3, 4].map((n) => `#${n}`)],
      rows.map((r) => [
        r.name,
        ...[0, 1, 2, 3].map((i) => {
          const part = r.attribution?.parts[i];
          return part === undefined ? '' : `${part.name} ${kb(part.bytes)}`;
        }),
      ]),
    );
    const reproduced = rows.filter((r) => r.attribution?.sameBytesAsDeployed).length;
    const notes = [
      `Bundles from synthesizing the stack with bundling on (CDK's NodejsFunction running esbuild with the ` +
        'HouseFunction options); sizes of index.mjs as deployed, gzip -9 for comparison only. Parts from an ' +
        `esbuild metafile with the same options, which reproduced ${reproduced} of ${rows.length} deployed bundles byte for byte.`,
      `Cold import: wall time of \`node --input-type=module -e "await import(bundle)"\`, ${IMPORT_RUNS} runs each, ` +
        `interleaved with an empty \`node --input-type=module -e ""\` (p50 ${formatNumber(emptyP50)} ms) under the ` +
        `function's own environment (NODE_OPTIONS=--enable-source-maps as deployed; references as dummies). ` +
        '"of which @aws-sdk": importing only the bundle\'s external @aws-sdk/* packages, minus the empty process.',
      `Node ${process.version} here, Node.js 24 on arm64 in Lambda. @aws-sdk/* is external and loaded from ` +
        "node_modules here; Lambda loads the runtime's copy. Each import was checked once to open no socket and do no DNS lookup.",
    ];
    return {
      name: 'bundles',
      title: 'Lambda bundles: size and cold import time',
      text: [table, parts, notes.map((n) => `- ${n}`).join('\n')].join('\n\n'),
      data: { importRuns: IMPORT_RUNS, emptyNodeP50Ms: emptyP50, node: process.version, functions: rows },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
