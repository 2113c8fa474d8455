// The Cloud Run jobs of a resource group in every region of the project: what its scheduler identity and shared secret serve.
import type { CloudRunApi } from '../sdk/cloud-run.js';
import type { GcpNames } from '../names.js';

/** One of the group's jobs: its id and the region it is deployed in. */
export interface GroupJob {
  job: string;
  region: string;
}

// Locations asked at once: Cloud Run has about forty, each a small list call.
const CONCURRENCY = 8;

/**
 * Every Cloud Run job labelled with this staged resource group, in any region: one task may set another deploy.region
 * than its neighbours, and still run as the group's scheduler identity and read the group's secret (Secret Manager and
 * service accounts are global). Cloud Run v2 lists jobs per location only, so each location the project sees is asked;
 * the task's own region is asked even if the location list leaves it out.
 */
export async function listGroupJobs(run: CloudRunApi, names: GcpNames): Promise<GroupJob[]> {
  const group = names.labels['handoff-resource-group'];
  const locations = [...new Set([names.location, ...(await run.listLocations(names.project))])];
  const found: GroupJob[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < locations.length) {
      const location = locations[next++]!;
      for (const job of await run.listJobs(location)) {
        if (job.labels?.['handoff-resource-group'] !== group) continue;
        found.push({ job: String(job.name).split('/').pop()!, region: location.slice(location.lastIndexOf('/') + 1) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, locations.length) }, worker));
  return found.sort((a, b) => a.region.localeCompare(b.region) || a.job.localeCompare(b.job));
}

/** `handoff-dev-etl-words (europe-west4)`. */
export function describeGroupJobs(jobs: readonly GroupJob[]): string {
  return jobs.map((j) => `${j.job} (${j.region})`).join(', ');
}
