/** Small statistics helpers for the benchmark: medians and percentiles of plain number arrays. */

/** The p-th percentile (0–100) of the values, by nearest rank on a sorted copy. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function mean(values) {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Latency summary in ms of a list of per-request (or per-login) durations in ms. */
export function latencySummary(durations) {
  const sorted = Float64Array.from(durations).sort();
  const at = (p) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100), mean: mean(durations) };
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
