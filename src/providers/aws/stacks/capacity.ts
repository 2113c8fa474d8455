// How a run gets Fargate capacity: the FARGATE launch type, or a FARGATE_SPOT strategy with FARGATE weighted in as a fallback.
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';

export interface CapacityProviderStrategyItem {
  capacityProvider: 'FARGATE' | 'FARGATE_SPOT';
  weight: number;
}

/** Either `launchType: FARGATE`, or a capacity provider strategy (the two are exclusive in RunTask). */
export type Capacity = { kind: 'launch-type' } | { kind: 'strategy'; strategy: CapacityProviderStrategyItem[] };

/** FARGATE_SPOT's default weights: three runs of four on Spot, one on regular Fargate when Spot has none to give. */
export const DEFAULT_SPOT_WEIGHTS = { FARGATE_SPOT: 3, FARGATE: 1 } as const;

/** Reads `deploy.capacity_provider` and `capacity_provider_weights`; weights without FARGATE_SPOT are a mistake. */
export function resolveCapacity(deploy: Pick<Deploy, 'capacity_provider' | 'capacity_provider_weights'>): Capacity {
  const weights = deploy.capacity_provider_weights;
  if (deploy.capacity_provider !== 'FARGATE_SPOT') {
    if (weights !== undefined) {
      const fix = 'add capacity_provider: FARGATE_SPOT, or remove capacity_provider_weights';
      throw new UserError('deploy.capacity_provider_weights is set, but deploy.capacity_provider is not FARGATE_SPOT', {
        fix,
        diagnostics: [{ severity: 'error', message: 'weights without FARGATE_SPOT', path: 'deploy.capacity_provider_weights', hint: fix }],
      });
    }
    return { kind: 'launch-type' };
  }
  const chosen = weights ?? DEFAULT_SPOT_WEIGHTS;
  const strategy = (['FARGATE_SPOT', 'FARGATE'] as const)
    .filter((p) => chosen[p] !== undefined)
    .map((p) => ({ capacityProvider: p, weight: chosen[p]! }));
  // ECS: at least one provider of a strategy needs a weight above 0, and providers with weight 0 are never used.
  if (!strategy.some((s) => s.weight > 0)) {
    const fix = 'give FARGATE_SPOT (and FARGATE, for a share of regular capacity) a weight of at least 1';
    throw new UserError('deploy.capacity_provider_weights gives no capacity provider a weight above 0', {
      fix,
      diagnostics: [{ severity: 'error', message: 'every weight is 0', path: 'deploy.capacity_provider_weights', hint: fix }],
    });
  }
  return { kind: 'strategy', strategy };
}
