// Which image the Container Apps job runs: `-v version=`, deploy.image_version, else the highest version tag in the registry.
import { findHighestVersion } from '../../../container/image-version.js';
import { UserError } from '../../../errors.js';
import type { Project } from '../../../project/types.js';
import type { AzureProvider } from '../azure-provider.js';
import { resolveAzureRegistry } from './image-registry.js';

export interface ResolvedImage {
  uri: string;
  version: string;
  /** Whether the tag is in the registry (false also when the repository is not there yet). */
  inRegistry: boolean;
}

/**
 * The image reference of the job. A version named by the user is used as it is (the caller warns when the registry
 * does not have it); otherwise the highest version tag `container push` put in deploy.registry.
 */
export async function resolveTaskImage(provider: AzureProvider, project: Project, version?: string): Promise<ResolvedImage> {
  const { names } = provider;
  resolveAzureRegistry(project.deploy);
  if (!names.registry) {
    throw new UserError('deploy.registry is not set, so there is no registry to run the image from', {
      fix: 'add `registry: <name>.azurecr.io` under deploy: (the Azure Container Registry `handoff container push` pushes to)',
    });
  }
  const registry = await provider.apis.registry(names.registry);
  const tags = await registry.listTags(names.imageName, await registry.login());
  const wanted = version ?? project.deploy.image_version ?? findHighestVersion(tags);
  if (wanted === undefined) {
    throw new UserError(`there is no image of ${names.imageName} in ${names.registry} to deploy`, {
      fix: `build and push one (handoff container build -p ${project.dir}, then handoff container push -p ${project.dir}), or set deploy.image_version`,
    });
  }
  return { uri: names.imageUri(wanted), version: wanted, inRegistry: tags.includes(wanted) };
}
