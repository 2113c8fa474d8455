// The providers this handoff has, filled by the CLI at start: provider.ts and the commands find them here, never by import.
import { UserError } from '../errors.js';
import { CLOUD_PROVIDERS, type CloudProviderName } from '../project/cloud-providers.js';
import type { Project } from '../project/types.js';
import type { ManageAction } from './deployment.js';
import type { DeployTarget, Provider, ProviderOptions, SecretStoreRules } from './provider.js';

/** Where `container push` puts an image in the provider's registry, and how the container CLI logs in there. */
export interface PreparedRepository {
  /** Registry host: `<account>.dkr.ecr.<region>.amazonaws.com`, `<region>-docker.pkg.dev`. */
  registry: string;
  /** The image's path in that registry (without tag): `<name>`, `<project>/<repository>/<name>`. */
  repository: string;
  /** Whether this push made the repository. */
  created: boolean;
  /** Credentials for `<cli> login --password-stdin`; the password is passed on stdin only. */
  login: { username: string; password: string };
}

/** The provider's image registry (`container push` without a deploy.image_domain of another registry). */
export interface ImageRegistryEntry {
  /** Whether `deploy.image_domain` names this provider's registry (then it is used with its repository and login). */
  owns(domain: string): boolean;
  /**
   * Refuses (a UserError located at deploy.image_domain) a domain that the provider's deploy would not run the image
   * from, before anything is pushed: `container push` and `cloud deploy` must agree on where the image lives.
   */
  checkDomain?(project: Project): void;
  /** Creates the repository of `image` when missing and returns where to push and how to log in. */
  prepare(input: { project: Project; image: string; profile?: string; log(message: string): void }): Promise<PreparedRepository>;
}

/** How a container started by `container run` reaches the provider's store as this shell does. */
export interface ContainerAccess {
  /** Variables for the container, passed by name (`-e NAME`), so values never appear on a command line. */
  env: Record<string, string>;
  /** `host:container[:ro]` volume mounts. */
  mounts: string[];
  /** Share the host's network (an emulator on this machine's loopback). */
  hostNetwork: boolean;
  /** Things to tell the user, e.g. why the host network is shared. */
  notices: string[];
}

/** What the deploy commands need to know about a provider before opening it: words, help and export formats. */
export interface DeploymentEntry {
  /** What its deploy makes, for messages: "CloudFormation stacks". */
  what: string;
  /**
   * The `cloud <kind>` words it has, with what each holds, which actions need the project (`-p`) and which `-v` keys
   * each action reads besides `version` (create and update): any other key is warned about.
   */
  kinds: Readonly<Record<string, { holds: string; projectFor: readonly ManageAction[]; vars?: Partial<Record<ManageAction, readonly string[]>> }>>;
  /** `cloud export --format` values; the first is the default. */
  exportFormats: readonly string[];
  /** Lines for the deploy commands' help: names, order, where the image comes from. */
  help: string;
  /**
   * Checks of the project's deploy values that need nothing from the cloud, run before the provider is opened (so
   * before its first call: a bad key is not hidden behind an unreachable endpoint or missing credentials). `kind` is
   * the `cloud <kind>` being created or updated; undefined for `cloud plan`, `deploy` and `export`.
   */
  checkProject?(input: { target: DeployTarget; project: Project; kind?: string }): Promise<void>;
}

export interface ProviderEntry {
  name: CloudProviderName;
  /** Opens the provider for one task; the module holding it (and its SDK) is imported only here. */
  open(target: DeployTarget, options: ProviderOptions): Promise<Provider>;
  images?: ImageRegistryEntry;
  /** For `container run`; may throw a UserError when the container could not reach the store. */
  containerAccess?(input: { env: NodeJS.ProcessEnv; profile?: string; project: Project }): ContainerAccess;
  deployment?: DeploymentEntry;
  /**
   * The secret store's rules on keys and sizes, without credentials or any call: `config validate` and `run local`
   * check the secrets file with them, as a push does with the opened provider's. Absent: nothing to check before a push
   * (the local store keeps SSM's rules, but a local project's secrets may be meant for local runs only).
   */
  secretRules?(target: DeployTarget): Promise<SecretStoreRules>;
}

const entries = new Map<CloudProviderName, ProviderEntry>();

/** Adds a provider (the CLI does this at start for every provider it ships). */
export function registerProvider(entry: ProviderEntry): void {
  entries.set(entry.name, entry);
}

/** The registered providers, in the order of CLOUD_PROVIDERS. */
export function listProviderEntries(): ProviderEntry[] {
  return CLOUD_PROVIDERS.flatMap((name) => entries.get(name) ?? []);
}

/** The entry of a provider name that project.yml or --cloud-provider accepted. */
export function findProviderEntry(name: CloudProviderName): ProviderEntry {
  const entry = entries.get(name);
  if (entry) return entry;
  throw new UserError(`the ${name} provider is not part of this build of handoff`, {
    fix: `use one of: ${listProviderEntries()
      .map((e) => e.name)
      .join(', ')}`,
  });
}
