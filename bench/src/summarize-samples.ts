// Median and spread of repeated measurements: medians resist the odd slow run of a noisy shared machine.

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median, in percent: how far apart the runs were. */
  spreadPct: number;
  samples: number[];
}

export function summarizeSamples(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { median, min, max, spreadPct: median === 0 ? 0 : ((max - min) / median) * 100, samples };
}
