// The `deploy` keys only the Google Cloud provider (Cloud Run jobs) reads, and its checks of them.
import * as z from 'zod';
import { suggestKey } from '../suggest-key.js';
import { text } from '../schema-fields.js';
import { readNumber, type CloudDeployRules, type DeployProblem } from './cloud-deploy-rules.js';
import { checkCloudRunSize } from './cloud-run-sizes.js';
import { CLOUD_RUN_REGIONS, GCP_REGION_PATTERN } from './gcp-regions.js';

export const gcpDeployKeys = {
  gcp_project: text('Google Cloud project id the task deploys to, e.g. `acme-data-prod` (required with cloud_provider gcp).').optional(),
  service_account: text('Email of an existing service account the job runs as; default: a service account of its own with access to its own bucket prefix and secrets only.').optional(),
  network: text('VPC network of the job (Direct VPC egress), e.g. `default`.').optional(),
  subnetwork: text('Subnetwork of the job (Direct VPC egress).').optional(),
  artifact_registry: text('Artifact Registry repository of the images (created by `container push` when missing); default `handoff`.').optional(),
  // task_timeout and max_retries are common keys (schema.ts): Azure reads them too; Cloud Run's limits are checked below.
  scheduler_retries: z.number().int().min(0).max(5).optional().describe('How many times Cloud Scheduler retries starting a run when the start request fails (0-5, default 3).'),
  notification_channels: z.array(text('A Cloud Monitoring notification channel, `projects/<project>/notificationChannels/<id>`.')).optional().describe('Notification channels of the alert on failed or timed-out runs.'),
};

// Project ids: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a
// hyphen (Resource Manager, "Creating and managing projects").
export const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// Artifact Registry repository ids: lowercase letters, digits and hyphens, starting with a letter, ending with a letter
// or digit, at most 63 characters (Artifact Registry, "Create standard repositories").
export const REPOSITORY_ID = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
// deploy.service_account names an account that exists, so only its shape is checked here (checkServiceAccount asks
// IAM): the rule for ids handoff creates would refuse Google's own accounts, such as Cloud Run's default identity
// `<project number>-compute@developer.gserviceaccount.com` and `service-<n>@gcp-sa-*.iam.gserviceaccount.com`.
export const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9][a-z0-9-]*@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$/;
export const NOTIFICATION_CHANNEL = /^projects\/[^/]+\/notificationChannels\/[^/]+$/;
// Cloud Run jobs: a task timeout of up to 7 days, 0-10 retries.
export const CLOUD_RUN_MAX_TASK_TIMEOUT = 604_800;
export const CLOUD_RUN_MAX_RETRIES = 10;

function readText(deploy: Record<string, unknown>, key: string): string | undefined {
  const value = deploy[key];
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

export const gcpDeployRules: CloudDeployRules = {
  provider: 'gcp',
  // `region` is a common key (schema.ts) that Google Cloud reads too.
  keys: [...Object.keys(gcpDeployKeys), 'region'],
  required: ['gcp_project', 'region'],
  check(deploy) {
    const problems: DeployProblem[] = [];
    const error = (path: (string | number)[], message: string, hint: string): void => void problems.push({ severity: 'error', path, message, hint });
    const warn = (path: (string | number)[], message: string, hint: string): void => void problems.push({ severity: 'warning', path, message, hint });

    const project = readText(deploy, 'gcp_project');
    if (project === undefined) {
      if (deploy.gcp_project === undefined) error([], 'deploy.gcp_project is missing: the gcp provider deploys into a Google Cloud project', 'add `gcp_project: <project id>` under deploy:');
    } else if (!PROJECT_ID.test(project)) {
      error(['gcp_project'], `deploy.gcp_project "${project}" is not a Google Cloud project id (6-30 lowercase letters, digits and hyphens, starting with a letter)`, 'use the project id (not its name or number), e.g. `gcloud projects list`');
    }

    const region = readText(deploy, 'region');
    if (region === undefined) {
      if (deploy.region === undefined) error([], 'deploy.region is missing: the gcp provider needs the region of the Cloud Run job', 'add `region: <region>` under deploy:, e.g. europe-west1');
    } else if (!GCP_REGION_PATTERN.test(region)) {
      // `europe-west-1` is a common slip (AWS writes regions that way); anything else gets the shape of a region.
      const joined = region.toLowerCase().replace(/-(\d+)$/, '$1');
      error(['region'], `deploy.region "${region}" is not a Google Cloud region`, CLOUD_RUN_REGIONS.includes(joined) ? `did you mean "${joined}"?` : 'Google Cloud regions look like europe-west1 or us-central1');
    } else if (!CLOUD_RUN_REGIONS.includes(region)) {
      const suggestion = suggestKey(region, CLOUD_RUN_REGIONS);
      warn(['region'], `deploy.region "${region}" is not a Cloud Run region handoff knows`, suggestion ? `did you mean "${suggestion}"? (a region Google added recently works as written)` : 'check the region against Cloud Run locations');
    }

    const size = checkCloudRunSize({ cpu: readNumber(deploy, 'cpu'), memory: readNumber(deploy, 'memory') });
    if ('problem' in size) error([size.problem.key], size.problem.message, size.problem.fix);

    const repository = readText(deploy, 'artifact_registry');
    if (repository !== undefined && !REPOSITORY_ID.test(repository)) {
      error(['artifact_registry'], `deploy.artifact_registry "${repository}" is not an Artifact Registry repository id`, 'use lowercase letters, digits and hyphens, starting with a letter, at most 63 characters');
    }
    const serviceAccount = readText(deploy, 'service_account');
    if (serviceAccount !== undefined && !SERVICE_ACCOUNT_EMAIL.test(serviceAccount)) {
      error(['service_account'], `deploy.service_account "${serviceAccount}" is not a service account email`, 'write the account\'s email, e.g. <name>@<project>.iam.gserviceaccount.com or <project number>-compute@developer.gserviceaccount.com');
    }
    const channels = deploy.notification_channels;
    if (Array.isArray(channels)) {
      channels.forEach((channel, i) => {
        if (typeof channel === 'string' && !NOTIFICATION_CHANNEL.test(channel)) {
          error(['notification_channels', i], `"${channel}" is not a notification channel name`, 'write it as projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list)');
        }
      });
    }
    // Cloud Run's limits of the common task_timeout and max_retries (Cloud Run jobs: task timeout up to 7 days, 0-10 retries).
    const timeout = readNumber(deploy, 'task_timeout');
    if (timeout !== undefined && timeout > CLOUD_RUN_MAX_TASK_TIMEOUT) error(['task_timeout'], `deploy.task_timeout ${timeout} is more than Cloud Run allows`, 'use at most 604800 seconds (7 days); the default is 43200');
    const retries = readNumber(deploy, 'max_retries');
    if (retries !== undefined && retries > CLOUD_RUN_MAX_RETRIES) error(['max_retries'], `deploy.max_retries ${retries} is more than Cloud Run allows`, 'use 0 to 10 (the default 0: a pipeline is not re-run behind your back)');
    // Common keys Cloud Run has no use for: said once, so nobody expects them to do something.
    if (deploy.storage !== undefined) {
      warn(['storage'], 'deploy.storage is not used on Cloud Run: a job\'s disk is in memory', 'remove it; raise deploy.memory for more disk');
    }
    if (deploy.log_retention_days !== undefined) {
      warn(['log_retention_days'], 'deploy.log_retention_days is not used on Google Cloud: Cloud Logging keeps logs by its log bucket\'s retention (_Default: 30 days)', 'remove it, or set the retention of the _Default log bucket');
    }
    return problems;
  },
};
