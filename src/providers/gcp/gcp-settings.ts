// Google Cloud settings read without any client library: credentials files (--cloud-profile, ADC) and the emulator endpoint.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';

/** HANDOFF_GCP_ENDPOINT, parsed: every API (and the image registry) at one base URL. */
export interface GcpEndpoint {
  url: string;
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** The gcloud configuration folder (CLOUDSDK_CONFIG, else ~/.config/gcloud). */
export function gcloudConfigDir(env: NodeJS.ProcessEnv): string {
  return env.CLOUDSDK_CONFIG || path.join(os.homedir(), '.config', 'gcloud');
}

/** `[core] project = …` and `account = …` of a gcloud configuration file. */
function readGcloudConfiguration(file: string): { project?: string; account?: string } {
  const out: { project?: string; account?: string } = {};
  let section = '';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header) section = header[1]!.trim();
    const pair = /^\s*(project|account)\s*=\s*(.+?)\s*$/.exec(line);
    if (pair && section === 'core') out[pair[1] as 'project' | 'account'] = pair[2];
  }
  return out;
}

/**
 * `--cloud-profile`: a credentials file (a service account key, an external-account or authorized-user file), or the
 * name of a gcloud configuration, whose account's credentials gcloud keeps in legacy_credentials/<account>/adc.json.
 */
export function resolveProfile(profile: string, env: NodeJS.ProcessEnv): { keyFilename: string; project?: string } {
  if (fs.existsSync(profile) && fs.statSync(profile).isFile()) return { keyFilename: path.resolve(profile) };
  const dir = gcloudConfigDir(env);
  const configuration = path.join(dir, 'configurations', `config_${profile}`);
  if (!fs.existsSync(configuration)) {
    throw new UserError(`--cloud-profile ${profile} is neither a credentials file nor a gcloud configuration (looked for ${configuration})`, {
      fix: `create it (gcloud config configurations create ${profile}), or pass the path of a credentials file`,
    });
  }
  const { account, project } = readGcloudConfiguration(configuration);
  const adc = account ? path.join(dir, 'legacy_credentials', account, 'adc.json') : undefined;
  if (!adc || !fs.existsSync(adc)) {
    throw new UserError(`the gcloud configuration ${profile} has no credentials${account ? ` for ${account}` : ' (no account is set)'}`, {
      fix: `log in with it: gcloud auth login --configuration ${profile}`,
    });
  }
  return { keyFilename: adc, ...(project ? { project } : {}) };
}

/** HANDOFF_GCP_ENDPOINT=http://127.0.0.1:8123: one base URL for every API, as an emulator serves them. */
export function readEndpoint(env: NodeJS.ProcessEnv): GcpEndpoint | undefined {
  const raw = env.HANDOFF_GCP_ENDPOINT?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`HANDOFF_GCP_ENDPOINT "${raw}" is not a URL`, { fix: 'set it to the base URL of the endpoint, e.g. http://127.0.0.1:8123, or unset it' });
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { url: `${protocol}://${url.hostname}:${port}`, host: url.hostname, port, protocol };
}


/**
 * The Application Default Credentials file a process here would use: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's
 * `application_default_credentials.json`; undefined when there is none (then only a metadata server could answer).
 */
export function findAdcFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOOGLE_APPLICATION_CREDENTIALS) return path.resolve(env.GOOGLE_APPLICATION_CREDENTIALS);
  const file = path.join(gcloudConfigDir(env), 'application_default_credentials.json');
  return fs.existsSync(file) ? file : undefined;
}
