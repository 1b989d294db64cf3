/** Statistics for the benchmark: medians, latency percentiles, and bootstrap intervals of ratios. */

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function mean(values) {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The geometric mean: the mean of ratios that treats ×1.1 and ×1/1.1 alike. */
export function geometricMean(values) {
  return values.length === 0 ? Number.NaN : Math.exp(mean(values.map(Math.log)));
}

/** Latency summary in ms of a list of per-request (or per-login) durations in ms. */
export function latencySummary(durations) {
  const sorted = Float64Array.from(durations).sort();
  const at = (p) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100), mean: mean(sorted) };
}

/** A small seeded generator (mulberry32), so the same raw results always give the same intervals. */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Percentile bootstrap interval of `statistic(values)`: the values are resampled with
 * replacement `resamples` times; the interval holds the middle `confidence` of the statistics.
 */
export function bootstrapInterval(values, statistic, { resamples = 10_000, confidence = 0.95, seed = 13 } = {}) {
  if (values.length < 2) return [Number.NaN, Number.NaN];
  const random = seededRandom(seed);
  const stats = new Float64Array(resamples);
  const sample = new Array(values.length);
  for (let r = 0; r < resamples; r += 1) {
    for (let i = 0; i < values.length; i += 1) sample[i] = values[Math.floor(random() * values.length)];
    stats[r] = statistic(sample);
  }
  stats.sort();
  const tail = (1 - confidence) / 2;
  return [stats[Math.floor(tail * (resamples - 1))], stats[Math.ceil((1 - tail) * (resamples - 1))]];
}

/**
 * A ratio measured once per round (both sides in the same round, in alternated order): its
 * geometric mean over the rounds, the rounds' min and max, and a bootstrap 95 % interval.
 */
export function ratioSummary(perRound) {
  const values = perRound.filter(Number.isFinite);
  return {
    ratio: geometricMean(values),
    min: Math.min(...values),
    max: Math.max(...values),
    interval: bootstrapInterval(values, geometricMean),
    rounds: values,
  };
}

/** An array of floats that grows without boxing each value, for hundreds of thousands of samples. */
export class Samples {
  #data = new Float64Array(1 << 16);
  #length = 0;

  push(value) {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  get length() {
    return this.#length;
  }

  values() {
    return this.#data.subarray(0, this.#length);
  }
}
