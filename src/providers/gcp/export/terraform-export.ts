// `cloud export --format terraform` on gcp: the resources of `cloud deploy` as one configuration of the hashicorp/google provider.
import path from 'node:path';
import type { Project } from '../../../project/types.js';
import { writeExportFiles } from '../../deploy/export-files.js';
import { HclBlock, makeBlock, makeCall, makeExpr, renderFile, type HclValue } from '../../deploy/hcl.js';
import type { ExportOutcome } from '../../deployment.js';
import type { GcpProvider } from '../gcp-provider.js';
import type { GcpNames } from '../names.js';
import { createJobSpec } from '../resources/cloud-run-job.js';
import { createBucketGrants, createJobGrants, SECRET_ACCESSOR_ROLE } from '../resources/grants.js';
import { createAlertPolicySpec, createMetricSpecs, createNotificationChannelSpec } from '../resources/monitoring.js';
import { createScheduleSpec } from '../resources/scheduler-job.js';

const ref = makeExpr;

/**
 * `1` → `target_1`, `nightly-load` → `target_nightly-load`: the target_id as it is (letters, digits, - and _, which
 * names.scheduleJobId enforces and Terraform names allow), so two target_ids never share one resource name.
 */
function toTerraformName(targetId: string): string {
  return `target_${targetId}`;
}

function seconds(n: number): string {
  return `${n}s`;
}

/** Every block of the configuration, in the order `cloud deploy` makes them. */
export function createTerraformBlocks(names: GcpNames, project: Project, image: string): HclBlock[] {
  const { deploy } = project;
  const job = createJobSpec(names, deploy, image);
  const taskAccount = names.ownsTaskServiceAccount ? ref('google_service_account.task.email') : names.taskServiceAccount;
  const taskMember = names.ownsTaskServiceAccount ? makeCall('format', 'serviceAccount:%s', ref('google_service_account.task.email')) : `serviceAccount:${names.taskServiceAccount}`;
  const schedulerMember = makeCall('format', 'serviceAccount:%s', ref('google_service_account.scheduler.email'));
  const blocks: HclBlock[] = [
    makeBlock('terraform', [], { required_providers: makeBlock('required_providers', [], { google: { source: 'hashicorp/google', version: '>= 6.0' } }) }),
    makeBlock('provider', ['google'], { project: names.project, region: names.region }),
    makeBlock('resource', ['google_storage_bucket', 'store'], {
      name: names.bucket,
      location: names.region.toUpperCase(),
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      labels: names.bucketLabels,
      versioning: makeBlock('versioning', [], { enabled: true }),
      // Retained like the S3 bucket (DeletionPolicy Retain); remove the lifecycle block to let Terraform delete it.
      lifecycle: makeBlock('lifecycle', [], { prevent_destroy: true }),
    }),
    makeBlock('resource', ['google_artifact_registry_repository', 'images'], {
      location: names.region,
      repository_id: names.artifactRepository,
      format: 'DOCKER',
      description: 'Images of handoff projects (handoff container push)',
      docker_config: makeBlock('docker_config', [], { immutable_tags: true }),
    }),
    makeBlock('resource', ['google_service_account', 'scheduler'], {
      account_id: names.schedulerServiceAccountId,
      display_name: `handoff ${names.resourceGroup} scheduler`,
      description: `Starts the Cloud Run jobs of handoff resource group ${names.resourceGroup} on their schedules`,
    }),
  ];
  if (names.ownsTaskServiceAccount) {
    blocks.push(
      makeBlock('resource', ['google_service_account', 'task'], {
        account_id: names.taskServiceAccountId,
        display_name: `handoff ${names.resourceGroup}/${names.task}`,
        description: `Runs the Cloud Run job ${names.jobId}: its own bucket prefix and secrets only`,
      }),
    );
  }
  for (const [i, grant] of createBucketGrants(names).entries()) {
    blocks.push(
      makeBlock('resource', ['google_storage_bucket_iam_member', i === 0 ? 'task_objects' : 'task_listing'], {
        bucket: ref('google_storage_bucket.store.name'),
        role: grant.role,
        member: taskMember,
        condition: makeBlock('condition', [], { title: grant.condition!.title, description: grant.condition!.description, expression: grant.condition!.expression }),
      }),
    );
  }
  for (const [tfName, secretId] of [
    ['task', names.taskSecretId],
    ['resource_group', names.resourceGroupSecretId],
  ] as const) {
    blocks.push(
      makeBlock('resource', ['google_secret_manager_secret', tfName], { secret_id: secretId, labels: tfName === 'task' ? names.labels : names.resourceGroupLabels, replication: makeBlock('replication', [], { auto: makeBlock('auto', [], {}) }) }),
      makeBlock('resource', ['google_secret_manager_secret_iam_member', tfName], { secret_id: ref(`google_secret_manager_secret.${tfName}.id`), role: SECRET_ACCESSOR_ROLE, member: taskMember }),
    );
  }
  const container: Record<string, HclValue | HclBlock | HclBlock[]> = {
    name: names.containerName,
    image: job.image,
    env: job.env.map((e) => makeBlock('env', [], { name: e.name, value: e.value })),
    resources: makeBlock('resources', [], { limits: { cpu: job.cpu, memory: job.memory } }),
  };
  blocks.push(
    makeBlock('resource', ['google_cloud_run_v2_job', 'task'], {
      name: names.jobId,
      location: names.region,
      labels: job.labels,
      template: makeBlock('template', [], {
        task_count: 1,
        template: makeBlock('template', [], {
          service_account: taskAccount,
          max_retries: job.maxRetries,
          timeout: seconds(job.timeoutSeconds),
          execution_environment: 'EXECUTION_ENVIRONMENT_GEN2',
          containers: makeBlock('containers', [], container),
          ...(job.vpc
            ? {
                vpc_access: makeBlock('vpc_access', [], {
                  network_interfaces: makeBlock('network_interfaces', [], { ...(job.vpc.network ? { network: job.vpc.network } : {}), ...(job.vpc.subnetwork ? { subnetwork: job.vpc.subnetwork } : {}) }),
                  egress: 'PRIVATE_RANGES_ONLY',
                }),
              }
            : {}),
        }),
      }),
    }),
    makeBlock('resource', ['google_cloud_run_v2_job_iam_member', 'scheduler'], {
      name: ref('google_cloud_run_v2_job.task.name'),
      location: names.region,
      role: createJobGrants()[0]!.role,
      member: schedulerMember,
    }),
  );
  const metrics = createMetricSpecs(names);
  for (const metric of metrics) {
    blocks.push(
      makeBlock('resource', ['google_logging_metric', metric.key], {
        name: metric.name,
        description: metric.description,
        filter: metric.filter,
        metric_descriptor: makeBlock('metric_descriptor', [], { metric_kind: 'DELTA', value_type: 'INT64', unit: '1' }),
      }),
    );
  }
  const channel = createNotificationChannelSpec(names, deploy);
  if (channel) {
    blocks.push(makeBlock('resource', ['google_monitoring_notification_channel', 'email'], { display_name: channel.displayName, type: 'email', labels: { email_address: channel.email }, user_labels: channel.userLabels }));
  }
  const alert = createAlertPolicySpec(names, deploy);
  blocks.push(
    makeBlock('resource', ['google_monitoring_alert_policy', 'failures'], {
      display_name: alert.displayName,
      combiner: 'OR',
      user_labels: alert.userLabels,
      notification_channels: [...alert.notificationChannels, ...(channel ? [ref('google_monitoring_notification_channel.email.name')] : [])],
      documentation: makeBlock('documentation', [], { content: alert.documentation, mime_type: 'text/markdown' }),
      conditions: alert.conditions.map((c) =>
        makeBlock('conditions', [], {
          display_name: c.displayName,
          condition_threshold: makeBlock('condition_threshold', [], {
            filter: c.filter,
            comparison: 'COMPARISON_GT',
            threshold_value: 0,
            duration: '0s',
            aggregations: makeBlock('aggregations', [], { alignment_period: '60s', per_series_aligner: 'ALIGN_COUNT' }),
            trigger: makeBlock('trigger', [], { count: 1 }),
          }),
        }),
      ),
      // Monitoring only accepts conditions on metrics that exist.
      depends_on: metrics.map((m) => ref(`google_logging_metric.${m.key}`)),
    }),
  );
  for (const schedule of project.schedules) {
    const spec = createScheduleSpec(names, deploy, schedule);
    blocks.push(
      makeBlock('resource', ['google_cloud_scheduler_job', toTerraformName(schedule.target_id)], {
        name: spec.name.slice(spec.name.lastIndexOf('/') + 1),
        region: names.region,
        description: spec.description,
        schedule: spec.schedule,
        time_zone: spec.timeZone,
        paused: !spec.enabled,
        retry_config: makeBlock('retry_config', [], { retry_count: spec.retryCount, min_backoff_duration: '30s', max_backoff_duration: '600s', max_doublings: 3 }),
        http_target: makeBlock('http_target', [], {
          uri: spec.uri,
          http_method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: makeCall('base64encode', makeCall('jsonencode', { overrides: { containerOverrides: [{ name: names.containerName, env: spec.env.map((e) => ({ name: e.name, value: e.value })) }] } })),
          oauth_token: makeBlock('oauth_token', [], { service_account_email: ref('google_service_account.scheduler.email'), scope: 'https://www.googleapis.com/auth/cloud-platform' }),
        }),
        depends_on: [ref('google_cloud_run_v2_job_iam_member.scheduler')],
      }),
    );
  }
  return blocks;
}

function describeTerraformDeploy(names: GcpNames): string {
  return `# handoff ${names.resourceGroup}/${names.task} on Google Cloud, as Terraform

Generated by \`handoff cloud export --format terraform\`: the resources \`handoff cloud deploy\` makes (bucket, Artifact
Registry repository, service accounts with their grants, the task's two secrets, the Cloud Run job, log-based metrics,
the alert policy, the schedules), in one configuration of the hashicorp/google provider.

\`\`\`sh
terraform init
terraform apply
\`\`\`

The bucket has \`prevent_destroy\`, as \`handoff cloud bucket delete\` keeps a bucket that holds anything. The project
itself (project.yml, files/, secrets) goes to the bucket and the secrets with \`handoff project push\`, the image to
Artifact Registry with \`handoff container push\`. Use this configuration or \`handoff cloud deploy\`, not both: both
manage the same resources.
`;
}

export async function exportTerraform(input: { provider: GcpProvider; project: Project; image: string; outDir: string }): Promise<ExportOutcome> {
  // Built before anything is written: a value that cannot work fails with the folder untouched.
  const main = renderFile(createTerraformBlocks(input.provider.names, input.project, input.image));
  const dir = path.resolve(input.outDir);
  const files = await writeExportFiles(dir, [
    ['main.tf', main],
    ['README.md', describeTerraformDeploy(input.provider.names)],
  ]);
  return { format: 'terraform', dir, files, image: input.image };
}
