// Which image the task definition runs: `-v version=`, deploy.image_version, else the highest version tag in ECR.
import { resolveImageName } from '../../../container/image-name.js';
import { findHighestVersion } from '../../../container/image-version.js';
import { UserError } from '../../../errors.js';
import type { Project } from '../../../project/types.js';
import type { DeployNames } from '../names.js';
import type { AwsClientConfig } from '../sdk/aws-client-config.js';
import { listEcrImageTags } from '../sdk/ecr.js';

const ECR_REGISTRY = /^\d{12}\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

export interface ResolvedImage {
  uri: string;
  version: string;
  /** Whether the tag is in ECR (false also when there is no repository yet); undefined for a registry other than ECR. */
  inRegistry?: boolean;
}

/**
 * The image reference of the task definition. A version named by the user is used as it is (a warning is the
 * caller's to give when ECR does not have it); otherwise the highest version tag pushed to ECR by `container push`.
 */
export async function resolveTaskImage(input: { project: Project; names: DeployNames; config: AwsClientConfig; version?: string }): Promise<ResolvedImage> {
  const { project, names } = input;
  const repository = resolveImageName(project);
  const domain = project.deploy.image_domain?.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const foreign = domain !== undefined && domain !== '' && !ECR_REGISTRY.test(domain);
  const wanted = input.version ?? project.deploy.image_version;
  if (foreign && wanted === undefined) {
    // Tags are listed in ECR only: which version is in the registry the project names cannot be told.
    throw new UserError(`deploy.image_domain ${domain} is a registry handoff does not list, so the version of ${repository} to deploy cannot be chosen there`, {
      fix: `set deploy.image_version, or pass -v version=<tag> (the tag pushed to ${domain})`,
    });
  }
  const tags = foreign ? undefined : await listEcrImageTags(input.config, repository);
  const version = wanted ?? findHighestVersion(tags ?? []);
  if (version === undefined) {
    throw new UserError(`there is no image of ${repository} in ECR to deploy${tags === undefined ? ' (no repository yet)' : ''}`, {
      fix: `build and push one (handoff container build -p ${project.dir}, then handoff container push -p ${project.dir}), or set deploy.image_version`,
    });
  }
  // names.ecrImageUri checks the tag's characters and knows the account's ECR host (the partition's domain).
  const ecrUri = names.ecrImageUri(version);
  const registry = domain || ecrUri.slice(0, ecrUri.indexOf('/'));
  const uri = `${registry}/${repository}:${version}`;
  return { uri, version, ...(foreign ? {} : { inRegistry: (tags ?? []).includes(version) }) };
}
