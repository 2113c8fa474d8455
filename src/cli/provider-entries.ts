// Fills the provider registry with every provider this CLI ships; each entry imports its provider's code only when opened.
// Loaded (with the entries' own modules) only when a command runs or `cloud`'s words are defined: not by a help of another.
import { awsProviderEntry } from '../providers/aws/aws-entry.js';
import { gcpProviderEntry } from '../providers/gcp/gcp-entry.js';
import { azureProviderEntry } from '../providers/azure/azure-entry.js';
import { localProviderEntry } from '../providers/local/local-entry.js';
import { listProviderEntries, registerProvider, type ProviderEntry } from '../providers/provider-registry.js';

/** Registers them (again: the same entries) and returns them in the order of CLOUD_PROVIDERS. */
export function registerProviders(): ProviderEntry[] {
  for (const entry of [localProviderEntry, awsProviderEntry, gcpProviderEntry, azureProviderEntry]) registerProvider(entry);
  return listProviderEntries();
}
