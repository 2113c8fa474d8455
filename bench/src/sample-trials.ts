// Runs several variants (handoff and its baseline) round after round, after a warm-up, rotating their order.
// Interleaving matters on shared machines: a slow minute then hurts every variant alike instead of one of them.

/** One run of a variant; returns its metrics by name, e.g. { wallMs, steadyGBps }. */
export type Trial = () => Promise<Record<string, number>>;

export type TrialSamples = Record<string, Record<string, number[]>>;

export async function sampleTrials(
  trials: Record<string, Trial>,
  options: { runs: number; warmups?: number; progress?: (message: string) => void },
): Promise<TrialSamples> {
  const names = Object.keys(trials);
  const samples: TrialSamples = Object.fromEntries(names.map((n) => [n, {}]));
  const warmups = options.warmups ?? 1;
  for (let round = 0; round < warmups + options.runs; round++) {
    const warm = round < warmups;
    // Rotate the order so no variant always runs right after the same other one.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const metrics = await trials[name]();
      if (warm) continue;
      for (const [metric, value] of Object.entries(metrics)) (samples[name][metric] ??= []).push(value);
    }
    // A line per round for long runs, a few lines in all for many short ones.
    const done = round - warmups + 1;
    const every = Math.max(1, Math.ceil(options.runs / 5));
    if (round === warmups - 1) options.progress?.('warm-up done');
    else if (!warm && (done % every === 0 || done === options.runs)) options.progress?.(`run ${done}/${options.runs} done`);
  }
  return samples;
}
