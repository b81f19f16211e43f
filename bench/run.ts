/**
 * Runs every benchmark (`npm run bench`), prints each section, and writes the figures to
 * bench/results/latest.json. A new benchmark registers itself by joining BENCHMARKS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { runBundlesBenchmark } from './bundles';
import { runCostBenchmark } from './cost';
import { runLookupPathBenchmark } from './lookup-path';
import { runPollPolicyBenchmark } from './poll-policy';
import type { Benchmark, BenchSection } from './report';

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'poll-policy', run: runPollPolicyBenchmark },
  { name: 'cost', run: runCostBenchmark },
  { name: 'lookup-path', run: runLookupPathBenchmark },
  { name: 'bundles', run: runBundlesBenchmark },
];

/** As every function's environment sets it (lib/house-function.ts): the SDK's Node 20 notice is noise here. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const selected = only.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => only.includes(b.name));
  if (selected.length === 0) {
    throw new Error(
      `No benchmark named ${only.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
  }
  const sections: (BenchSection & { elapsedMs: number })[] = [];
  for (const benchmark of selected) {
    const started = performance.now();
    const section = await benchmark.run();
    const elapsedMs = Math.round(performance.now() - started);
    sections.push({ ...section, elapsedMs });
    console.log(`\n== ${section.title} (${elapsedMs} ms)\n\n${section.text}\n`);
  }
  const resultsDir = join(import.meta.dirname, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cpus: availableParallelism(),
      memoryGb: Math.round(totalmem() / 2 ** 30),
      // Shared machines: the load when the run ended says how much the figures may be disturbed.
      loadAverage1m: loadavg()[0],
    },
    sections: sections.map(({ name, title, elapsedMs, data }) => ({ name, title, elapsedMs, data })),
  };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Figures written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
