// The one place Google Cloud clients get their configuration: project, region, credentials (ADC) and an emulator endpoint.
import { GoogleAuth } from 'google-auth-library';
import { UserError } from '../../../errors.js';
import { wrapCredentialsError } from './gcp-errors.js';
import type { Deploy } from '../../../project/types.js';
import { readEndpoint, resolveProfile, type GcpEndpoint } from '../gcp-settings.js';

/** What every client of this folder is built from. */
export interface GcpClientConfig {
  project: string;
  region: string;
  /**
   * The credentials file `--cloud-profile` chose (a file, or a gcloud configuration's account); absent: Application
   * Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's ADC file, the metadata server).
   */
  keyFilename?: string;
  /** HANDOFF_GCP_ENDPOINT: every API at one base URL (an emulator on loopback); absent: Google's own endpoints. */
  endpoint?: GcpEndpoint;
}

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Project and region come from `deploy` (gcp_project, region); without a project at hand (`-e resource_group=…`),
 * from GOOGLE_CLOUD_PROJECT / CLOUDSDK_CORE_PROJECT and CLOUDSDK_RUN_REGION, as gcloud reads them.
 */
export function resolveGcpClientConfig(input: { deploy?: Partial<Deploy>; profile?: string; env?: NodeJS.ProcessEnv }): GcpClientConfig {
  const env = input.env ?? process.env;
  const fromProfile = input.profile ? resolveProfile(input.profile, env) : undefined;
  const project = input.deploy?.gcp_project ?? env.GOOGLE_CLOUD_PROJECT ?? env.CLOUDSDK_CORE_PROJECT ?? fromProfile?.project;
  const region = input.deploy?.region ?? env.CLOUDSDK_RUN_REGION;
  if (!project) {
    throw new UserError('the gcp provider needs the Google Cloud project: deploy.gcp_project is not set', {
      fix: 'add gcp_project: <project id> under deploy: in project.yml (or export GOOGLE_CLOUD_PROJECT)',
    });
  }
  if (!region) {
    throw new UserError('the gcp provider needs the region of the Cloud Run job: deploy.region is not set', {
      fix: 'add region: <region> under deploy: in project.yml, e.g. europe-west1 (or export CLOUDSDK_RUN_REGION)',
    });
  }
  return { project, region, ...(fromProfile ? { keyFilename: fromProfile.keyFilename } : {}), ...(readEndpoint(env) ? { endpoint: readEndpoint(env) } : {}) };
}

/**
 * Options of every gax client (Cloud Run, Scheduler, Secret Manager, Logging, Monitoring, Artifact Registry). They all
 * use the HTTP/JSON transport (`fallback`), the REST mapping each API documents, which is what an emulator serves.
 */
export function toGaxOptions(config: GcpClientConfig, auth: GoogleAuth): Record<string, string | number | boolean | GoogleAuth> {
  return {
    fallback: true,
    projectId: config.project,
    auth,
    ...(config.endpoint ? { apiEndpoint: config.endpoint.host, port: config.endpoint.port, protocol: config.endpoint.protocol } : {}),
  };
}

/** The base URL of an API that handoff calls as plain REST (IAM service accounts): Google's host, or the endpoint. */
export function resolveApiBase(config: GcpClientConfig, googleHost: string): string {
  return config.endpoint ? config.endpoint.url : `https://${googleHost}`;
}

/** Application Default Credentials (or the profile's file), for REST calls and for access tokens (registry login). */
export function createGoogleAuth(config: GcpClientConfig): GoogleAuth {
  return new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], projectId: config.project, ...(config.keyFilename ? { keyFilename: config.keyFilename } : {}) });
}

/** The credentials of one provider: one GoogleAuth every gax client shares (its token cached), checked once before the first call. */
export interface GcpAuth {
  google: GoogleAuth;
  /** Resolves when the credentials loaded and gave a token; rejects with a UserError (exit 2) otherwise. */
  checked(): Promise<GoogleAuth>;
}

/**
 * Credentials are loaded and a first token got before any gax client is built and before any Cloud Storage call. A gax
 * client that resolves credentials itself rethrows their failure from a promise nobody holds
 * (googleapis/google-cloud-node#9085): Node.js crashed after handoff printed the error. Cloud Storage sends the request
 * without credentials instead, so the answer (a 401, or an emulator's 404) hid the cause.
 */
export function openGcpAuth(config: GcpClientConfig): GcpAuth {
  const google = createGoogleAuth(config);
  let checking: Promise<GoogleAuth> | undefined;
  return {
    google,
    checked: () =>
      (checking ??= (async () => {
        try {
          await google.getClient();
          await google.getAccessToken();
        } catch (error) {
          throw wrapCredentialsError(error, `authenticate to Google Cloud project ${config.project}`);
        }
        return google;
      })()),
  };
}
