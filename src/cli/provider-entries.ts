// Fills the provider registry with every provider this CLI ships; each entry imports its provider's code only when opened.
import { awsProviderEntry } from '../providers/aws/aws-entry.js';
import { gcpProviderEntry } from '../providers/gcp/gcp-entry.js';
import { localProviderEntry } from '../providers/local/local-entry.js';
import { registerProvider } from '../providers/provider-registry.js';

export function registerProviders(): void {
  for (const entry of [localProviderEntry, awsProviderEntry, gcpProviderEntry]) registerProvider(entry);
}
