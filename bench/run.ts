/**
 * Runs every benchmark (`npm run bench`), prints each section, and writes the figures to
 * bench/results/latest.json. A new benchmark registers itself by joining BENCHMARKS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPollPolicyBenchmark } from './poll-policy';
import type { Benchmark, BenchSection } from './report';

const BENCHMARKS: readonly Benchmark[] = [{ name: 'poll-policy', run: runPollPolicyBenchmark }];

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
    sections: sections.map(({ name, title, elapsedMs, data }) => ({ name, title, elapsedMs, data })),
  };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Figures written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
