/**
 * A deterministic corpus of simulated NineData comparison runs, for benchmarks that judge how a
 * run is watched (poll policy, cost per 1,000 runs …). Each scenario is a function of time since
 * the run's creation to what `queryTaskExecInfo` would answer, plus the true end time.
 *
 * The shapes follow what the NineData documentation and the run object allow, not what suits a
 * policy: a `starting` phase with zero or missing counts, compared rows that grow at a wobbly
 * rate, pause, or jump table by table, a finalising tail after the last row (status still
 * `running`), stretches of an undocumented status without counts, and failures at any point.
 */

/** Seconds in the corpus's duration range: 30 s to 3 days. */
export const SHORTEST_RUN_SECONDS = 30;
export const LONGEST_RUN_SECONDS = 3 * 24 * 3600;

export const DEFAULT_CORPUS_SEED = 20_261_203;
/** Enough runs that a p95 rests on a hundred of them. */
export const DEFAULT_CORPUS_RUNS = 2000;

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What a poll sees: the fields the poll policy reads from the normalised run. */
export interface ScenarioObservation {
  status: string;
  compared: number | null;
  total: number | null;
}

export type ProgressShape = 'linear' | 'stalling' | 'bursty';
export type ScenarioEnding = 'success' | 'failed-early' | 'failed-late';

export interface Scenario {
  id: string;
  shape: ProgressShape;
  ending: ScenarioEnding;
  createdAtMs: number;
  /** Seconds after creation at which the watch starts (and makes its first poll). */
  watchStartSeconds: number;
  /** Seconds after creation at which the status is first final: the true end. */
  endSeconds: number;
  /** Length of the `starting` phase, seconds. */
  startingSeconds: number;
  /** Seconds between the last compared row and the final status (NineData still says `running`). */
  tailSeconds: number;
  /** Stretches with an undocumented status and no counts. */
  blips: readonly { fromSeconds: number; toSeconds: number }[];
  /** What a poll sees `tSeconds` after the run's creation. */
  observe(tSeconds: number): ScenarioObservation;
}

type Random = () => number;

function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

function logUniform(random: Random, low: number, high: number): number {
  return Math.exp(uniform(random, Math.log(low), Math.log(high)));
}

function integerBetween(random: Random, low: number, high: number): number {
  return Math.floor(uniform(random, low, high + 1));
}

function pick<T>(random: Random, weighted: readonly (readonly [T, number])[]): T {
  const sum = weighted.reduce((acc, [, weight]) => acc + weight, 0);
  let roll = random() * sum;
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = weighted.at(-1);
  if (last === undefined) throw new Error('pick needs at least one choice');
  return last[0];
}

/** A non-decreasing curve through knots (time in seconds, fraction of rows compared). */
interface Knot {
  t: number;
  fraction: number;
}

/** Rows that grow at a rate that changes from one stretch to the next (tables of different speed). */
function wobblyKnots(random: Random, from: number, to: number): Knot[] {
  const segments = integerBetween(random, 1, 6);
  const cuts = Array.from({ length: segments - 1 }, () => uniform(random, from, to)).sort((a, b) => a - b);
  const bounds = [from, ...cuts, to];
  const weights = bounds.slice(1).map((end, i) => (end - (bounds[i] ?? from)) * uniform(random, 0.5, 1.6));
  const sum = weights.reduce((acc, w) => acc + w, 0);
  const knots: Knot[] = [{ t: from, fraction: 0 }];
  let cumulative = 0;
  weights.forEach((weight, i) => {
    cumulative += weight;
    knots.push({ t: bounds[i + 1] ?? to, fraction: sum > 0 ? cumulative / sum : 1 });
  });
  return knots;
}

/** The wobbly curve with 1–3 pauses that together take 10–45 % of the comparing time. */
function stallingKnots(random: Random, from: number, to: number): Knot[] {
  const pauses = integerBetween(random, 1, 3);
  const pausedTotal = (to - from) * uniform(random, 0.1, 0.45);
  const activeEnd = to - pausedTotal;
  const active = wobblyKnots(random, from, activeEnd);
  const shares = Array.from({ length: pauses }, () => uniform(random, 0.2, 1));
  const shareSum = shares.reduce((acc, s) => acc + s, 0);
  const pausesAt = Array.from({ length: pauses }, () => uniform(random, from, activeEnd))
    .sort((a, b) => a - b)
    .map((at, i) => ({ at, length: (pausedTotal * (shares[i] ?? 0)) / shareSum }));
  // Shift the active curve right by the pauses that came before each point.
  const knots: Knot[] = [];
  let shift = 0;
  let pauseIndex = 0;
  for (const knot of active) {
    let pause = pausesAt[pauseIndex];
    while (pause !== undefined && pause.at <= knot.t) {
      const before = fractionAt(active, pause.at);
      knots.push({ t: pause.at + shift, fraction: before });
      shift += pause.length;
      knots.push({ t: pause.at + shift, fraction: before });
      pauseIndex += 1;
      pause = pausesAt[pauseIndex];
    }
    knots.push({ t: knot.t + shift, fraction: knot.fraction });
  }
  return knots;
}

/** Rows reported in steps (a table or a chunk at a time): 3–40 jumps, the last one at `to`. */
function burstyKnots(random: Random, from: number, to: number): Knot[] {
  const steps = integerBetween(random, 3, 40);
  const times = Array.from({ length: steps - 1 }, () => uniform(random, from, to)).sort((a, b) => a - b);
  times.push(to);
  // Table sizes are skewed: a few big tables and many small ones.
  const sizes = times.map(() => logUniform(random, 1, 100));
  const sum = sizes.reduce((acc, s) => acc + s, 0);
  const knots: Knot[] = [{ t: from, fraction: 0 }];
  let cumulative = 0;
  times.forEach((t, i) => {
    const before = cumulative;
    cumulative += (sizes[i] ?? 0) / sum;
    // A step: flat until t, then the jump.
    knots.push({ t, fraction: before });
    knots.push({ t, fraction: i === times.length - 1 ? 1 : cumulative });
  });
  return knots;
}

function fractionAt(knots: readonly Knot[], t: number): number {
  const first = knots[0];
  if (first === undefined || t <= first.t) return 0;
  let result = 0;
  for (let i = 0; i < knots.length; i += 1) {
    const knot = knots[i] as Knot;
    if (t < knot.t) {
      const previous = knots[i - 1] as Knot;
      const span = knot.t - previous.t;
      return span <= 0
        ? previous.fraction
        : previous.fraction + ((t - previous.t) / span) * (knot.fraction - previous.fraction);
    }
    result = knot.fraction;
  }
  return result;
}

function buildScenario(index: number, random: Random, createdAtMs: number): Scenario {
  const plannedSeconds = logUniform(random, SHORTEST_RUN_SECONDS, LONGEST_RUN_SECONDS);
  const shape = pick<ProgressShape>(random, [
    ['linear', 0.45],
    ['stalling', 0.25],
    ['bursty', 0.3],
  ]);
  const ending = pick<ScenarioEnding>(random, [
    ['success', 0.8],
    ['failed-early', 0.1],
    ['failed-late', 0.1],
  ]);
  // Prechecks and row counting: seconds to a few minutes, never most of a short run.
  const startingSeconds = Math.min(logUniform(random, 1, 180), plannedSeconds * 0.4);
  // Rechecking differing rows and writing results after the last compared row.
  const tailSeconds = Math.min(
    logUniform(random, 1, 20) + plannedSeconds * uniform(random, 0, 0.005),
    plannedSeconds * 0.2,
  );
  const rowsDoneSeconds = plannedSeconds - tailSeconds;
  const knots =
    shape === 'linear'
      ? wobblyKnots(random, startingSeconds, rowsDoneSeconds)
      : shape === 'stalling'
        ? stallingKnots(random, startingSeconds, rowsDoneSeconds)
        : burstyKnots(random, startingSeconds, rowsDoneSeconds);
  const total = 2 * Math.round(logUniform(random, 1_000, 1_000_000_000));
  const startingCountsMissing = random() < 0.5;

  let endSeconds = plannedSeconds;
  if (ending === 'failed-early') endSeconds = Math.max(20, plannedSeconds * uniform(random, 0.02, 0.3));
  if (ending === 'failed-late') endSeconds = plannedSeconds * uniform(random, 0.6, 0.98);
  endSeconds = Math.min(endSeconds, plannedSeconds);

  const blips: { fromSeconds: number; toSeconds: number }[] = [];
  if (random() < 0.2) {
    const count = integerBetween(random, 1, 2);
    for (let i = 0; i < count; i += 1) {
      const from = uniform(random, startingSeconds, endSeconds);
      const length = logUniform(random, 5, Math.max(6, plannedSeconds * 0.05));
      blips.push({ fromSeconds: from, toSeconds: Math.min(from + length, endSeconds) });
    }
  }
  const blipStatus = pick(random, [
    ['Running', 2],
    ['prechecking', 1],
    ['abnormal', 1],
  ] as const);

  const comparedAt = (t: number): number => Math.floor(total * Math.min(1, fractionAt(knots, t)));
  const finalStatus = ending === 'success' ? 'success' : 'failed';

  return {
    id: `run-${String(index).padStart(4, '0')}`,
    shape,
    ending,
    createdAtMs,
    watchStartSeconds: uniform(random, 1, 10),
    endSeconds,
    startingSeconds,
    tailSeconds,
    blips,
    observe(tSeconds) {
      if (tSeconds >= endSeconds) {
        return { status: finalStatus, compared: comparedAt(Math.min(tSeconds, endSeconds)), total };
      }
      if (tSeconds < startingSeconds) {
        return startingCountsMissing
          ? { status: 'starting', compared: null, total: null }
          : { status: 'starting', compared: 0, total: 0 };
      }
      if (blips.some((blip) => tSeconds >= blip.fromSeconds && tSeconds < blip.toSeconds)) {
        return { status: blipStatus, compared: null, total: null };
      }
      return { status: 'running', compared: comparedAt(tSeconds), total };
    },
  };
}

/** Groups that behave differently: successes by progress shape, failures by when they happen. */
export function kindOf(scenario: Scenario): string {
  return scenario.ending === 'success' ? `${scenario.shape}, success` : scenario.ending;
}

/** The corpus: `runs` scenarios from `seed`, the same every time for the same arguments. */
export function buildCorpus(options: { seed?: number; runs?: number } = {}): Scenario[] {
  const random = mulberry32(options.seed ?? DEFAULT_CORPUS_SEED);
  const runs = options.runs ?? DEFAULT_CORPUS_RUNS;
  const epochMs = Date.UTC(2026, 4, 8, 8, 0, 0);
  return Array.from({ length: runs }, (_, index) =>
    buildScenario(index, random, epochMs + Math.floor(random() * 86_400_000)),
  );
}
