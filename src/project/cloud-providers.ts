// The provider names project.yml and --cloud-provider accept: one list for the schema, the loader and the provider registry.

/** `local` is the embedded default; each cloud adds its name here and its keys in deploy-keys/. */
export const CLOUD_PROVIDERS = ['local', 'aws', 'gcp'] as const;

export type CloudProviderName = (typeof CLOUD_PROVIDERS)[number];
