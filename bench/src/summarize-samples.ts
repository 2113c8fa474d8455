// Median and spread of repeated measurements: both resist the odd slow run of a busy shared machine.

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Interquartile range ÷ median, in percent: how far apart the middle half of the runs were. */
  spreadPct: number;
  samples: number[];
}

/** The q-quantile of sorted values, interpolating between neighbours. */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export function summarizeSamples(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return { median, min: sorted[0], max: sorted[sorted.length - 1], spreadPct: median === 0 ? 0 : (iqr / median) * 100, samples };
}
