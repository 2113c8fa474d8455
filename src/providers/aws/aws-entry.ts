// The AWS provider's registry entry: opened on demand, ECR for `container push`, credentials for `container run`, its stacks for the deploy commands.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { ProviderEntry } from '../provider-registry.js';
import { isLoopbackUrl } from '../is-loopback-url.js';

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`: a registry that needs ECR's repository and login. */
/** The role's stack is named by its grantee, so every `cloud role` action reads it. */
const ROLE_VARS = ['grantee_account_id', 'external_id'];

const ECR_REGISTRY = /^\d{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

/** AWS settings a container needs to reach the same account and endpoint as this shell. */
const AWS_PASS_THROUGH = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL'];

const DEPLOY_HELP = `aws — stacks (CloudFormation, deployed with change sets; a second run with nothing changed reports "unchanged"):
  handoff-permissions-boundary  the ceiling of every role handoff makes; once per account (the first deploy or role create)
  handoff-<RG>-bucket       S3 bucket (cloud bucket create)
  handoff-<RG>-resources    network (a VPC, with a NAT gateway for deploy.static_ip, or deploy.subnets), ECS cluster
                            (or deploy.cluster), execution role (or deploy.execution_role_arn), runner and scheduler roles
  handoff-<RG>-<task>       log group (kept on delete unless -v delete_logs=true), metric filters, Fargate task
                            definition (with deploy.task_definition merged in), task role, runner, alarms
  handoff-role-<account>    the deploy role another account can assume (cloud role create): not admin
<RG> is <stage>-<resource_group> except for prod. The image is -v version=, else deploy.image_version, else the highest
version tag in ECR (handoff container push). Fargate cpu/memory/storage and every other deploy value are checked
before anything is sent to AWS, in deploy.region when set.`;

export const awsProviderEntry: ProviderEntry = {
  name: 'aws',
  async secretRules(target) {
    return (await import('./aws-secret-rules.js')).createAwsSecretRules(target);
  },
  async open(target, options) {
    const { createAwsProvider } = await import('./aws-provider.js');
    return createAwsProvider(target, options);
  },
  images: {
    owns: (domain) => ECR_REGISTRY.test(domain),
    async prepare({ project, image, profile, log }) {
      const { resolveAwsClientConfig } = await import('./sdk/aws-client-config.js');
      const { ensureEcrRepository, getEcrLogin } = await import('./sdk/ecr.js');
      const { validateUserTags } = await import('./stacks/tags.js');
      // The repository lives where the task runs: deploy.region first, as for every other call.
      const config = await resolveAwsClientConfig({ profile, region: project.deploy.region });
      const repository = await ensureEcrRepository(config, image, validateUserTags(project.deploy.tags));
      log(repository.created ? `Created the ECR repository ${repository.uri} (immutable tags)` : `ECR repository ${repository.uri} exists`);
      const login = await getEcrLogin(config);
      return { registry: login.registry, repository: image, created: repository.created, login: { username: login.username, password: login.password } };
    },
  },
  containerAccess({ env, profile, project }) {
    const passed: Record<string, string> = {};
    for (const key of [...AWS_PASS_THROUGH, ...Object.keys(env).filter((k) => k.startsWith('AWS_ENDPOINT_URL_'))]) {
      const value = env[key];
      if (value) passed[key] = value;
    }
    // The store is in deploy.region when the project names one, whatever this shell's region is.
    if (project.deploy.region) passed.AWS_REGION = project.deploy.region;
    const mounts: string[] = [];
    const chosenProfile = profile ?? env.AWS_PROFILE;
    if (chosenProfile) {
      const awsDir = path.join(os.homedir(), '.aws');
      if (!fs.existsSync(awsDir)) {
        throw new UserError(`the AWS profile "${chosenProfile}" needs ${awsDir}, which does not exist`, {
          fix: 'configure the profile (aws configure --profile NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead',
        });
      }
      mounts.push(`${awsDir}:/root/.aws:ro`);
      passed.AWS_PROFILE = chosenProfile;
    }
    // An emulator on this machine's loopback (moto, LocalStack) is only reachable from the host's network namespace.
    const hostNetwork = isLoopbackUrl(env.AWS_ENDPOINT_URL);
    return { env: passed, mounts, hostNetwork, notices: hostNetwork ? ['AWS_ENDPOINT_URL is on this machine, so the container shares the host network'] : [] };
  },
  deployment: {
    what: 'CloudFormation stacks',
    kinds: {
      resources: { holds: 'the shared network, ECS cluster and roles of the resource group (handoff-<RG>-resources)', projectFor: ['create', 'update'] },
      task: { holds: "the task's log group, metric filters, Fargate task definition, task role, Step Functions runner and alarms (handoff-<RG>-<task>)", projectFor: ['create', 'update'], vars: { delete: ['delete_logs'] } },
      role: { holds: 'the deploy role that an account may assume to run handoff (handoff-role-<account>)', projectFor: [], vars: { create: ROLE_VARS, update: ROLE_VARS, delete: ROLE_VARS, status: ROLE_VARS } },
    },
    exportFormats: ['cloudformation', 'terraform'],
    help: DEPLOY_HELP,
    async checkProject({ target, project, kind }) {
      if (kind !== undefined && kind !== 'resources' && kind !== 'task') return;
      const { resolveAwsClientConfig } = await import('./sdk/aws-client-config.js');
      const { checkDeployBeforeCalls } = await import('./deploy/check-deploy-values.js');
      // The region is read from project.yml, the environment or the profile's file: no call yet.
      const config = await resolveAwsClientConfig({ profile: target.profile, region: project.deploy.region });
      await checkDeployBeforeCalls({ project, target, region: config.region, scope: kind ?? 'deploy' });
    },
  },
};
