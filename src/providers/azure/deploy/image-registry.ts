// Where an Azure task's image lives: deploy.registry, for `container push` and the deploy alike (deploy.image_domain may only repeat it).
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';

/** A registry as project.yml may write it: without `https://` and trailing `/`. */
function bare(registry: string | undefined): string | undefined {
  const value = registry?.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return value ? value : undefined;
}

/**
 * deploy.registry, the one registry the Container Apps job pulls from and `container push` pushes to (README, "Deploy
 * to Azure"). A deploy.image_domain naming another registry is refused (exit 2, at its line): the image would be pushed
 * where no job runs it from, and a deploy would run whatever older image deploy.registry holds.
 */
export function resolveAzureRegistry(deploy: Partial<Pick<Deploy, 'registry' | 'image_domain'>>): string | undefined {
  const registry = bare(deploy.registry);
  const domain = bare(deploy.image_domain);
  if (domain === undefined || domain === registry) return registry;
  const message = `deploy.image_domain ${domain} is not the registry the Container Apps job runs its image from: on Azure, container push and cloud deploy both use deploy.registry${registry ? ` (${registry})` : ', which is not set'}`;
  const fix = registry
    ? `remove image_domain (images go to deploy.registry ${registry}), or set registry: "${domain}" to push to and run from ${domain}; nothing was pushed or deployed`
    : `replace image_domain with registry: "${domain}" under deploy:; nothing was pushed or deployed`;
  throw new UserError(message, { fix, diagnostics: [{ severity: 'error', message, path: 'deploy.image_domain', hint: fix }] });
}
