// The one place AWS clients get their configuration: region, profile, credentials chain and emulator endpoint.
import os from 'node:os';
import path from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { UserError } from '../../../errors.js';

export interface AwsClientOptions {
  /** `--cloud-profile`: a named profile of ~/.aws/config and ~/.aws/credentials. */
  profile?: string;
  /** `deploy.region`: wins over AWS_REGION and the profile's region, so a project always deploys where it says. */
  region?: string;
}

/**
 * What every client of this folder is built from. Credentials come from the SDK's default chain (environment, profile,
 * SSO, container and instance roles) for `profile`; the endpoint from `AWS_ENDPOINT_URL` (and the service-specific
 * `AWS_ENDPOINT_URL_<SERVICE>`), which the SDK reads itself.
 */
export interface AwsClientConfig {
  region: string;
  profile?: string;
  /** True when an endpoint URL points the clients elsewhere (an emulator such as moto, or a VPC endpoint). */
  customEndpoint: boolean;
  maxAttempts: number;
}

/** The config to give a client constructor, plus S3's path-style switch an emulator needs. */
export function toClientInput(config: AwsClientConfig): { region: string; profile?: string; maxAttempts: number } {
  return { region: config.region, ...(config.profile ? { profile: config.profile } : {}), maxAttempts: config.maxAttempts };
}

/** Resolves the region: `deploy.region`, else the way every client would (env, profile), failing with the fix when there is none. */
export async function resolveAwsClientConfig(options: AwsClientOptions = {}): Promise<AwsClientConfig> {
  // handoff supports Node 20 (package.json engines); the SDK's notice about its own future Node support is noise in
  // every command's output. An explicit setting by the user is left as it is.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `AWS_REGION=` means "not set" to a person, but the SDK would take the empty string as the region (and stop looking
  // in the profile); treat empty settings as absent.
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']) {
    if (process.env[name] === '') delete process.env[name];
  }
  await checkProfileExists(options.profile ?? process.env.AWS_PROFILE, options.profile ? '--cloud-profile' : 'AWS_PROFILE');
  let region = options.region?.trim() || undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region)) {
    const fix = 'set deploy.region to a region name such as eu-west-1';
    throw new UserError(`deploy.region "${region}" is not an AWS region name`, { fix, diagnostics: [{ severity: 'error', message: 'not a region name', path: 'deploy.region', hint: fix }] });
  }
  if (region === undefined) {
    const probe = new STSClient(options.profile ? { profile: options.profile } : {});
    try {
      region = await probe.config.region();
    } catch {
      region = undefined;
    } finally {
      probe.destroy();
    }
  }
  if (!region) {
    const where = options.profile ? `profile "${options.profile}" has no region and ` : '';
    throw new UserError(`no AWS region is set: ${where}AWS_REGION is empty`, {
      fix: options.profile
        ? `set the profile's region (aws configure set region us-east-1 --profile ${options.profile}) or export AWS_REGION=us-east-1`
        : 'export AWS_REGION=us-east-1 (or your region), or use a profile that has one: --cloud-profile NAME',
    });
  }
  const customEndpoint = Object.keys(process.env).some((k) => (k === 'AWS_ENDPOINT_URL' || k.startsWith('AWS_ENDPOINT_URL_')) && Boolean(process.env[k]));
  return { region, profile: options.profile, customEndpoint, maxAttempts: 3 };
}

/**
 * A named profile that is in neither shared file fails here, by name: the SDK's credential chain would only say
 * "Could not load credentials from any providers" later, after skipping the environment's keys for the profile.
 */
async function checkProfileExists(profile: string | undefined, source: string): Promise<void> {
  if (!profile) return;
  // The SDK's own reader of ~/.aws/config and ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).
  const files = await loadSharedConfigFiles({ ignoreCache: true });
  if (files.configFile[profile] || files.credentialsFile[profile]) return;
  const home = os.homedir();
  const shown = (file: string): string => (file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file);
  const configPath = shown(process.env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'));
  const credentialsPath = shown(process.env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'));
  // Sections such as [sso-session x] come back as "sso-session.x"; only profiles are offered.
  const known = [...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)])].filter((name) => !name.includes('.')).sort();
  throw new UserError(`the AWS profile "${profile}" (${source}) is not in ${configPath} or ${credentialsPath}`, {
    fix: known.length > 0
      ? `use one of the profiles there (${known.join(', ')}), or create it with: aws configure --profile ${profile}`
      : `create it with: aws configure --profile ${profile} (or aws configure sso --profile ${profile})`,
  });
}
