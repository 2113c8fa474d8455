// The gcp provider's registry entry: opened on demand, Artifact Registry for `container push`, ADC for `container run`, its deploy words.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import { isLoopbackUrl } from '../is-loopback-url.js';
import type { ContainerAccess, ProviderEntry } from '../provider-registry.js';
import { findAdcFile, readEndpoint, resolveProfile } from './gcp-settings.js';
import { checkImageDomainLocation, isArtifactRegistryHost } from './deploy/image-domain.js';

/** Where `container run` mounts the credentials file inside the container. */
const CONTAINER_CREDENTIALS = '/var/run/handoff/gcp-credentials.json';

const DEPLOY_HELP = `gcp — resources (created or updated one by one; a second run with nothing changed reports "unchanged"):
  bucket          gs://handoff-<RG>-<hash>: uniform access, public access prevented, versioned (cloud bucket create)
  resources       the resource group's scheduler service account (may start the group's jobs, nothing else)
  task            the task's service account (objects under gs://<bucket>/<task>/ and its two secrets only),
                  Cloud Run job handoff-<rg>-<task> (deploy.cpu/memory, task_timeout, max_retries), who may start it,
                  log-based metrics of failed and timed-out tasks, an alert policy on them
The image is -v version=, else deploy.image_version, else the highest version tag in Artifact Registry (handoff
container push). deploy.gcp_project and deploy.region are required; sizes, names and schedules are checked before
anything is sent to Google Cloud.`;

/**
 * The container gets the same credentials as this shell: the profile's or ADC's file, mounted read-only. An
 * external-account file names the file its token comes from; that one is mounted at its own path too.
 */
function describeContainerAccess(env: NodeJS.ProcessEnv, profile: string | undefined, project: string | undefined): ContainerAccess {
  const file = profile ? resolveProfile(profile, env).keyFilename : findAdcFile(env);
  if (!file || !fs.existsSync(file)) {
    throw new UserError('the container needs Google Cloud credentials, and this shell has none to give it', {
      fix: 'log in with `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS (or --cloud-profile) to a credentials file',
    });
  }
  const mounts = [`${file}:${CONTAINER_CREDENTIALS}:ro`];
  try {
    const source = (JSON.parse(fs.readFileSync(file, 'utf8')) as { credential_source?: { file?: string } }).credential_source?.file;
    if (source) mounts.push(`${source}:${source}:ro`);
  } catch {
    // Not JSON: the library inside the container will say what is wrong with it.
  }
  const passed: Record<string, string> = { GOOGLE_APPLICATION_CREDENTIALS: CONTAINER_CREDENTIALS };
  if (project) passed.GOOGLE_CLOUD_PROJECT = project;
  const endpoint = readEndpoint(env);
  if (endpoint) passed.HANDOFF_GCP_ENDPOINT = endpoint.url;
  const hostNetwork = isLoopbackUrl(endpoint?.url);
  return { env: passed, mounts, hostNetwork, notices: hostNetwork ? ['HANDOFF_GCP_ENDPOINT is on this machine, so the container shares the host network'] : [] };
}

export const gcpProviderEntry: ProviderEntry = {
  name: 'gcp',
  async secretRules(target) {
    return (await import('./gcp-secret-rules.js')).createGcpSecretRules(target);
  },
  async open(target, options) {
    const { createGcpProvider } = await import('./gcp-provider.js');
    return createGcpProvider(target, options);
  },
  images: {
    owns: isArtifactRegistryHost,
    checkDomain: (project) => checkImageDomainLocation(project.deploy, project.deploy.region ?? process.env.CLOUDSDK_RUN_REGION),
    async prepare({ project, image, profile, log }) {
      const { openGcpAuth, resolveGcpClientConfig } = await import('./sdk/gcp-client-config.js');
      const { createArtifactRegistryApi, getRegistryLogin } = await import('./sdk/artifact-registry.js');
      const { resolveRegistryHost } = await import('./gcp-provider.js');
      const config = resolveGcpClientConfig({ deploy: project.deploy, profile });
      const repositoryId = project.deploy.artifact_registry ?? 'handoff';
      const repository = `projects/${config.project}/locations/${config.region}/repositories/${repositoryId}`;
      const auth = await openGcpAuth(config).checked();
      const registry = createArtifactRegistryApi(config, auth);
      try {
        const created = await registry.ensureRepository(repository, { 'managed-by': 'handoff' });
        log(created ? `Created the Artifact Registry repository ${repository} (Docker, immutable tags)` : `Artifact Registry repository ${repository} exists`);
        return { registry: resolveRegistryHost(config), repository: `${config.project}/${repositoryId}/${image}`, created, login: await getRegistryLogin(auth) };
      } finally {
        await registry.close();
      }
    },
  },
  containerAccess: ({ env, profile, project }) => describeContainerAccess(env, profile, project.deploy.gcp_project),
  deployment: {
    what: 'Cloud Run jobs',
    kinds: {
      resources: { holds: "the resource group's scheduler service account", projectFor: ['create', 'update'] },
      task: { holds: "the task's service account and grants, Cloud Run job, log-based metrics and alert policy", projectFor: ['create', 'update'] },
    },
    exportFormats: ['terraform'],
    help: DEPLOY_HELP,
    // Names (and schedule target ids) Google would refuse, checked where the refusal is located at its project.yml line.
    async checkProject({ target, project }) {
      const { resolveGcpTarget } = await import('./gcp-provider.js');
      const { names, config } = resolveGcpTarget({ ...target, deploy: project.deploy });
      // An Artifact Registry image_domain of another location would be pushed to but never run: refused at its line.
      checkImageDomainLocation(project.deploy, config.region);
      for (const schedule of project.schedules) names.scheduleJobId(schedule.target_id, schedule.path);
    },
  },
};
