// deploy.image_domain on Google Cloud: Artifact Registry of deploy.region (where `container push` makes the repository and the job pulls from), or another registry used as written.
import { UserError } from '../../../errors.js';
import type { Deploy } from '../../../project/types.js';

/** `<location>-docker.pkg.dev`: Artifact Registry's Docker host of one location (a region, or a multi-region `us`). */
const ARTIFACT_REGISTRY_HOST = /(?:^|\.)([a-z0-9-]+)-docker\.pkg\.dev$/;

/** deploy.image_domain as a registry host: without `https://` and trailing `/`; undefined when unset or empty. */
export function readImageDomain(deploy: Partial<Pick<Deploy, 'image_domain'>>): string | undefined {
  const domain = deploy.image_domain?.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return domain ? domain : undefined;
}

/** Whether a domain is an Artifact Registry Docker host (handoff makes the repository there and lists its tags). */
export function isArtifactRegistryHost(domain: string): boolean {
  return ARTIFACT_REGISTRY_HOST.test(domain);
}

/**
 * Refuses (exit 2, at deploy.image_domain) an Artifact Registry host of another location than deploy.region: handoff
 * makes and lists the repository in deploy.region, and the job pulls from there, so the image pushed to that host
 * would be one no deploy runs (and its repository one handoff did not make). Nothing is contacted.
 */
export function checkImageDomainLocation(deploy: Partial<Pick<Deploy, 'image_domain'>>, region: string | undefined): void {
  const domain = readImageDomain(deploy);
  const location = domain === undefined ? undefined : ARTIFACT_REGISTRY_HOST.exec(domain)?.[1];
  if (location === undefined || region === undefined || location === region) return;
  const message = `deploy.image_domain ${domain} is Artifact Registry in ${location}, but the task deploys to region ${region}: container push makes the repository in ${region} and the Cloud Run job runs its image from ${region}-docker.pkg.dev`;
  const fix = `remove image_domain (images go to ${region}-docker.pkg.dev), or set it to ${region}-docker.pkg.dev${/\d$/.test(location) ? `, or deploy to ${location} (deploy.region: ${location})` : ''}; nothing was pushed or deployed`;
  throw new UserError(message, { fix, diagnostics: [{ severity: 'error', message, path: 'deploy.image_domain', hint: fix }] });
}
