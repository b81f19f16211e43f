/**
 * The poll policy against named baselines, on the same corpus and the same simulated clock:
 * polls per run (cost) and detection lag (the user's wait), absolute and relative to the run.
 */
import { DEFAULT_POLL_POLICY } from '../functions/core/poll-policy';
import {
  type BenchSection,
  formatNumber,
  formatPercent,
  formatRatio,
  formatTable,
  mean,
  percentile,
} from './report';
import { buildCorpus, DEFAULT_CORPUS_RUNS, DEFAULT_CORPUS_SEED, kindOf, type Scenario } from './scenarios';
import {
  exponentialBackoff,
  fixedInterval,
  pollPolicyStrategy,
  type StrategySpec,
  simulateWatch,
  type WatchResult,
} from './simulator';

export interface StrategyFigures {
  strategy: string;
  runs: number;
  polls: { median: number; p95: number; mean: number };
  lagSeconds: { median: number; p95: number };
  lagFraction: { median: number; p95: number };
}

/** The baselines, measured in the same run as the policy. */
export const BASELINES: readonly StrategySpec[] = [
  // The hand-written polling script.
  fixedInterval(10),
  // The AWS Step Functions job-poller sample's Wait state.
  fixedInterval(60),
  // The usual "back off" answer, capped at the policy's own maximum.
  exponentialBackoff(15, 2, 300),
];

export function figuresOf(strategy: string, results: readonly WatchResult[]): StrategyFigures {
  const polls = results.map((r) => r.polls);
  const lags = results.map((r) => r.lagSeconds);
  const fractions = results.map((r) => r.lagSeconds / r.durationSeconds);
  return {
    strategy,
    runs: results.length,
    polls: { median: percentile(polls, 50), p95: percentile(polls, 95), mean: mean(polls) },
    lagSeconds: { median: percentile(lags, 50), p95: percentile(lags, 95) },
    lagFraction: { median: percentile(fractions, 50), p95: percentile(fractions, 95) },
  };
}

export function measure(corpus: readonly Scenario[], spec: StrategySpec): StrategyFigures {
  return figuresOf(spec.name, watchAll(corpus, spec));
}

function watchAll(corpus: readonly Scenario[], spec: StrategySpec): WatchResult[] {
  return corpus.map((scenario) => simulateWatch(scenario, spec.create()));
}

const METRICS: readonly {
  label: string;
  value: (f: StrategyFigures) => number;
  show: (v: number) => string;
}[] = [
  { label: 'polls median', value: (f) => f.polls.median, show: (v) => formatNumber(v) },
  { label: 'polls p95', value: (f) => f.polls.p95, show: (v) => formatNumber(v) },
  { label: 'polls mean', value: (f) => f.polls.mean, show: (v) => formatNumber(v) },
  { label: 'lag median', value: (f) => f.lagSeconds.median, show: (v) => `${formatNumber(v)} s` },
  { label: 'lag p95', value: (f) => f.lagSeconds.p95, show: (v) => `${formatNumber(v)} s` },
  { label: 'lag/duration median', value: (f) => f.lagFraction.median, show: formatPercent },
  { label: 'lag/duration p95', value: (f) => f.lagFraction.p95, show: formatPercent },
];

export function renderComparison(ours: StrategyFigures, baselines: readonly StrategyFigures[]): string {
  const figures = [ours, ...baselines];
  const table = formatTable(
    ['metric', ...figures.map((f) => f.strategy)],
    METRICS.map((metric) => [metric.label, ...figures.map((f) => metric.show(metric.value(f)))]),
  );
  const ratios = formatTable(
    ['ours / baseline', ...baselines.map((f) => f.strategy)],
    METRICS.map((metric) => [
      metric.label,
      ...baselines.map((f) => formatRatio(metric.value(ours), metric.value(f))),
    ]),
  );
  return `${table}\n\n${ratios}\n(ratio < 1: the poll policy needs fewer polls or detects sooner)`;
}

/** Median polls and median lag/duration per kind of scenario, for every strategy. */
function renderByKind(
  corpus: readonly Scenario[],
  results: readonly WatchResult[][],
  names: readonly string[],
) {
  const kinds = [...new Set(corpus.map(kindOf))].sort();
  const figures = kinds.map((kind) => ({
    kind,
    runs: corpus.filter((s) => kindOf(s) === kind).length,
    strategies: results.map((perRun, i) =>
      figuresOf(
        names[i] ?? '',
        perRun.filter((_, run) => kindOf(corpus[run] as Scenario) === kind),
      ),
    ),
  }));
  const text = formatTable(
    ['median polls · lag/duration', 'runs', ...names],
    figures.map(({ kind, runs, strategies }) => [
      kind,
      String(runs),
      ...strategies.map((f) => `${formatNumber(f.polls.median)} · ${formatPercent(f.lagFraction.median)}`),
    ]),
  );
  return { text, figures };
}

/** The trade the main knob makes: fewer polls against a looser bound on the lag of surprises. */
const LAG_FRACTIONS = [0.1, 0.15, 0.25, 0.35, 0.5] as const;

function renderSensitivity(corpus: readonly Scenario[]) {
  const figures = LAG_FRACTIONS.map((lagFraction) => ({
    configuredLagFraction: lagFraction,
    ...measure(
      corpus,
      pollPolicyStrategy({ ...DEFAULT_POLL_POLICY, lagFraction }, `lagFraction ${lagFraction}`),
    ),
  }));
  const text = formatTable(
    ['lagFraction', 'polls median', 'polls mean', 'lag/duration median', 'lag/duration p95'],
    figures.map((f) => [
      f.configuredLagFraction === DEFAULT_POLL_POLICY.lagFraction
        ? `${f.configuredLagFraction} (default)`
        : String(f.configuredLagFraction),
      formatNumber(f.polls.median),
      formatNumber(f.polls.mean),
      formatPercent(f.lagFraction.median),
      formatPercent(f.lagFraction.p95),
    ]),
  );
  return { text, figures };
}

export async function runPollPolicyBenchmark(): Promise<BenchSection> {
  const corpus = buildCorpus();
  const specs = [pollPolicyStrategy(DEFAULT_POLL_POLICY, 'poll policy'), ...BASELINES];
  const results = specs.map((spec) => watchAll(corpus, spec));
  const [ours, ...baselines] = results.map((perRun, i) => figuresOf(specs[i]?.name ?? '', perRun));
  if (ours === undefined) throw new Error('the poll policy was not measured');
  const byKind = renderByKind(
    corpus,
    results,
    specs.map((spec) => spec.name),
  );
  const sensitivity = renderSensitivity(corpus);
  const corpusLine =
    `${corpus.length} simulated runs (seed ${DEFAULT_CORPUS_SEED}), 30 s to 3 days, ` +
    `${corpus.filter((s) => s.ending !== 'success').length} failing, ` +
    `${corpus.filter((s) => s.blips.length > 0).length} with unknown-status stretches`;
  return {
    name: 'poll-policy',
    title: 'Poll policy vs baselines (simulated clock)',
    text: [corpusLine, renderComparison(ours, baselines), byKind.text, sensitivity.text].join('\n\n'),
    data: {
      corpus: { seed: DEFAULT_CORPUS_SEED, runs: DEFAULT_CORPUS_RUNS },
      byKind: byKind.figures,
      lagFractionSensitivity: sensitivity.figures,
      config: DEFAULT_POLL_POLICY,
      ours,
      baselines,
    },
  };
}
