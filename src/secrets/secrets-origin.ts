// Where a run's set of secrets was read (a secrets file, or a store), so an error about a missing one names that place.
export type SecretsOrigin =
  /** The stage's secrets file (`.secrets/<stage>_secrets.yml`, or under `-v secrets_dir`). */
  | { kind: 'file'; file: string }
  /** A store's secrets (`where` says which: the task's path and its resource group's). */
  | { kind: 'store'; where: string };

/**
 * Kept beside the list, not in each secret: an empty list from an empty store must still say it came from the store.
 * A WeakMap leaves the list an ordinary array (JSON, spreading) and forgets it with the list.
 */
const origins = new WeakMap<readonly unknown[], SecretsOrigin>();

/** Marks `secrets` as read from `origin`; returns the same list. */
export function recordSecretsOrigin<T extends readonly unknown[]>(secrets: T, origin: SecretsOrigin): T {
  origins.set(secrets, origin);
  return secrets;
}

/** Where `secrets` was read, when its reader said so (a copy of the list, e.g. filtered, has no origin). */
export function findSecretsOrigin(secrets: readonly unknown[]): SecretsOrigin | undefined {
  return origins.get(secrets);
}
