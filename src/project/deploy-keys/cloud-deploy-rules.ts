// What each cloud's deploy-keys file gives the loader: the keys only that cloud reads, and its own checks of `deploy`.
import type { CloudProviderName } from '../cloud-providers.js';

/** One problem in `deploy` as written, at a key path below `deploy` (empty: the `deploy` mapping itself). */
export interface DeployProblem {
  severity: 'error' | 'warning';
  path: ReadonlyArray<string | number>;
  message: string;
  hint?: string;
}

export interface CloudDeployRules {
  provider: CloudProviderName;
  /** The `deploy` keys only this cloud reads: a warning names this cloud when another provider is chosen. */
  keys: readonly string[];
  /** Keys this cloud cannot do without (its check reports them missing; the JSON Schema requires them). */
  required?: readonly string[];
  /**
   * Checks `deploy` as written when this cloud is chosen: required keys, the common `cpu`/`memory` against the
   * cloud's allowed sizes, values the cloud would refuse. Keys of the wrong type are left to the schema.
   */
  check(deploy: Record<string, unknown>): DeployProblem[];
}

/** A number as written, or undefined when the key is absent or not a number (the schema reports that). */
export function readNumber(deploy: Record<string, unknown>, key: string): number | undefined {
  const value = deploy[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
