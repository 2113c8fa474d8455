// Which image the Cloud Run job runs: `-v version=`, deploy.image_version, else the highest version tag in Artifact Registry.
import { findHighestVersion } from '../../../container/image-version.js';
import { UserError } from '../../../errors.js';
import type { Project } from '../../../project/types.js';
import type { GcpProvider } from '../gcp-provider.js';
import { checkImageDomainLocation, isArtifactRegistryHost, readImageDomain } from './image-domain.js';

export interface ResolvedImage {
  uri: string;
  version: string;
  /** Whether the tag is in Artifact Registry (false also when there is no repository yet); undefined for another registry. */
  inRegistry?: boolean;
}

/**
 * A version named by the user is used as it is (the caller warns when Artifact Registry does not have it); otherwise
 * the highest version tag `container push` put there. A deploy.image_domain of another registry is used as written.
 */
export async function resolveJobImage(p: GcpProvider, project: Project, version?: string): Promise<ResolvedImage> {
  const { names } = p;
  checkImageDomainLocation(project.deploy, p.config.region);
  const domain = readImageDomain(project.deploy);
  const foreign = domain !== undefined && !isArtifactRegistryHost(domain) && domain !== names.registryHost;
  const wanted = version ?? project.deploy.image_version;
  if (foreign && wanted === undefined) {
    // Tags are listed in Artifact Registry only: which version is in the registry the project names cannot be told.
    throw new UserError(`deploy.image_domain ${domain} is a registry handoff does not list, so the version of ${names.imageName} to deploy cannot be chosen there`, {
      fix: `set deploy.image_version, or pass -v version=<tag> (the tag pushed to ${domain})`,
    });
  }
  const tags = foreign ? undefined : await (await p.apis.artifactRegistry()).listTags(names.artifactRepositoryName, names.imageName);
  const chosen = wanted ?? findHighestVersion(tags ?? []);
  if (chosen === undefined) {
    throw new UserError(`there is no image of ${names.imageName} in Artifact Registry (${names.artifactRepositoryName}) to deploy${tags === undefined ? ': no repository yet' : ''}`, {
      fix: `build and push one (handoff container build -p ${project.dir}, then handoff container push -p ${project.dir}), or set deploy.image_version`,
    });
  }
  // names.imageUri checks the tag's characters.
  const registryUri = names.imageUri(chosen);
  const uri = foreign ? `${domain}/${names.imageName}:${chosen}` : registryUri;
  return { uri, version: chosen, ...(foreign ? {} : { inRegistry: (tags ?? []).includes(chosen) }) };
}
