// The project push step every cloud's deploy shares: project.yml, files/ and secrets compared with the store, written only where they differ.
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Secret } from '../../secrets/local-secrets.js';
import type { Provider } from '../provider.js';
import { listLocalFiles, type StoreLog } from '../store/project-store.js';
import { checkSecretsFit, describeKeptSharedSecrets, planSecretsPush, planStaleSecrets, removeStaleSecrets, writeParameters, type SecretPushEntry, type StaleSecret } from '../store/store-secrets.js';

interface FileWrite {
  key: string;
  body: Buffer;
  executable: boolean;
  action: 'create' | 'update';
}

/** What a push would change. Holds secret values (in `secrets`), so print `describeProjectSync` instead. */
export interface ProjectSyncPlan {
  config: 'create' | 'update' | 'unchanged';
  configBody: Buffer;
  files: FileWrite[];
  unchangedFiles: number;
  /** Stored files under `<task>/files/` that the project no longer has. */
  staleFiles: string[];
  secrets: SecretPushEntry[];
  unchangedSecrets: number;
  /** Stored task-level secrets the secrets file no longer pushes (removed, after the writes). */
  staleSecrets: StaleSecret[];
}

export interface ProjectSyncSummary {
  config: 'created' | 'updated' | 'unchanged';
  files: { written: string[]; deleted: string[]; unchanged: number };
  /** Keys only, never values. */
  secrets: { written: string[]; unchanged: number; deleted: string[] };
}

/**
 * Compares the project with the store. Every secret is checked first (planSecretsPush: reserved keys, sizes, tiers),
 * so a bad one stops the deploy before anything is written.
 */
export async function planProjectSync(
  provider: Provider,
  input: { projectFile: string; projectDir: string; secrets: Secret[]; allowAdvancedTier: boolean; log?: StoreLog; bucketExists: boolean },
): Promise<ProjectSyncPlan> {
  const secretPlan = input.secrets.length > 0 ? planSecretsPush(provider, input.secrets, { allowAdvancedTier: input.allowAdvancedTier }) : [];
  await checkSecretsFit(provider, secretPlan, { storeExists: input.bucketExists });
  const { names } = provider;
  // Before the bucket exists (a first deploy) everything is new; reading it would fail with NoSuchBucket.
  const objects = input.bucketExists ? provider.objects : { get: async () => undefined, list: async () => [] };
  const configBody = await readFile(input.projectFile);
  const storedConfig = await objects.get(names.s3.projectKey);
  const config = storedConfig === undefined ? 'create' : storedConfig.body.equals(configBody) ? 'unchanged' : 'update';

  const filesDir = path.join(input.projectDir, 'files');
  const local = await listLocalFiles(filesDir, input.log);
  const stored = new Set((await objects.list(names.s3.filesPrefix)).map((o: { key: string }) => o.key));
  const files: FileWrite[] = [];
  let unchangedFiles = 0;
  for (const rel of local) {
    const key = names.s3.fileKey(rel);
    const file = path.join(filesDir, ...rel.split('/'));
    const body = await readFile(file);
    const executable = ((await lstat(file)).mode & 0o111) !== 0;
    const existing = stored.has(key) ? await objects.get(key) : undefined;
    stored.delete(key);
    if (existing && existing.body.equals(body) && existing.executable === executable) unchangedFiles++;
    else files.push({ key, body, executable, action: existing ? 'update' : 'create' });
  }

  const current = new Map<string, string>();
  const storedGroup = await provider.parameters.listByPath(names.ssmResourceGroupPath);
  const storedTask = await provider.parameters.listByPath(names.ssmTaskPath);
  for (const p of [...storedGroup, ...storedTask]) current.set(p.name, p.value);
  const secrets = secretPlan.filter((e) => e.push && e.stored !== undefined && current.get(e.name) !== e.stored);
  const stale = planStaleSecrets(secretPlan, { task: storedTask, resourceGroup: storedGroup }, (name) => provider.parameters.describe(name));
  const shared = describeKeptSharedSecrets(stale.keptShared);
  if (shared) input.log?.('warning', shared);
  return {
    config,
    configBody,
    files,
    unchangedFiles,
    staleFiles: [...stored].sort(),
    secrets,
    unchangedSecrets: secretPlan.filter((e) => e.push).length - secrets.length,
    staleSecrets: stale.remove,
  };
}

export function isProjectSyncEmpty(plan: ProjectSyncPlan): boolean {
  return plan.config === 'unchanged' && plan.files.length === 0 && plan.staleFiles.length === 0 && plan.secrets.length === 0 && plan.staleSecrets.length === 0;
}

/** The plan without secret values: what `cloud plan` prints. */
export function describeProjectSync(plan: ProjectSyncPlan): { config: string; files: { write: string[]; delete: string[]; unchanged: number }; secrets: { write: string[]; delete: string[]; unchanged: number } } {
  return {
    config: plan.config,
    files: { write: plan.files.map((f) => `${f.key} (${f.action})`), delete: plan.staleFiles, unchanged: plan.unchangedFiles },
    secrets: { write: plan.secrets.map((s) => `${s.key} (${s.level} level)`), delete: plan.staleSecrets.map((s) => `${s.key} (${s.level} level, ${s.why})`), unchanged: plan.unchangedSecrets },
  };
}

/** Writes what the plan says: config, changed files, stale files removed, changed secrets, then stale secrets removed. */
export async function applyProjectSync(provider: Provider, plan: ProjectSyncPlan): Promise<ProjectSyncSummary> {
  if (plan.config !== 'unchanged') await provider.objects.put(provider.names.s3.projectKey, plan.configBody);
  // Stale files go first: one may be a file where the project now has a folder of that name (or the reverse).
  if (plan.staleFiles.length > 0) await provider.objects.delete(plan.staleFiles);
  for (const file of plan.files) await provider.objects.put(file.key, file.body, { executable: file.executable });
  await writeParameters(provider, plan.secrets.map((s) => ({ name: s.name, value: s.stored!, tier: s.tier! })));
  // After the writes: a run starting in between sees new values beside old ones, never a secret gone early.
  const removed = new Set(await removeStaleSecrets(provider, plan.staleSecrets));
  const deletedSecrets = plan.staleSecrets.filter((s) => removed.has(s.name)).map((s) => s.key);
  return {
    config: plan.config === 'create' ? 'created' : plan.config === 'update' ? 'updated' : 'unchanged',
    files: { written: plan.files.map((f) => f.key), deleted: plan.staleFiles, unchanged: plan.unchangedFiles },
    secrets: { written: plan.secrets.map((s) => s.key), unchanged: plan.unchangedSecrets, deleted: deletedSecrets },
  };
}
