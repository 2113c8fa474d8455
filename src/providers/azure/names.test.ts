// Tests of the Azure names: within Azure's limits, apart for tasks whose names would otherwise collide, located when wrong.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createAzureNames, createDefaultKeyVault, createDefaultStorageAccount, createRoleAssignmentName, createSecretName } from './names.js';

const SUBSCRIPTION = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const names = (resourceGroup: string, task: string, extra: Record<string, string> = {}) =>
  createAzureNames({ resourceGroup, task, stage: 'dev', subscriptionId: SUBSCRIPTION, azureResourceGroup: 'rg-data', location: 'westeurope', registry: 'acme.azurecr.io', ...extra });

describe('createAzureNames', () => {
  it('builds every name of a task from the deploy keys, Azure\'s resource group apart from handoff\'s', () => {
    const n = names('etl', 'words');
    expect(n.resourceGroup).toBe('dev-etl');
    expect(n.azureResourceGroup).toBe('rg-data');
    expect(n.azureResourceGroupId).toBe(`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data`);
    expect(n.blobContainer).toMatch(/^handoff-dev-etl-[0-9a-f]{8}$/);
    expect(n.blobContainerId).toBe(`${n.storageAccountId}/blobServices/default/containers/${n.blobContainer}`);
    expect(n.job).toMatch(/^ho-dev-etl-words-[0-9a-f]{6}$/);
    expect(n.identity).toBe('handoff-dev-etl_words');
    expect(n.ssmTaskPath).toBe('/handoff/dev-etl/words');
    expect(n.taskParameter('API_TOKEN')).toBe('/handoff/dev-etl/words/API_TOKEN');
    // Keys are JSON keys inside the path's secret: any key SSM takes, nothing else.
    expect(n.resourceGroupParameter('db.pass-word_2')).toBe('/handoff/dev-etl/db.pass-word_2');
    expect(() => n.taskParameter('has space')).toThrow('secret key "has space" is invalid: use letters, digits and _ . - (at most 256)');
    expect(n.imageUri('0.3')).toBe('acme.azurecr.io/words:0.3');
    expect(n.tags).toEqual({ 'handoff-resource-group': 'dev-etl', 'handoff-task': 'words' });
  });

  it('keeps job names within 32 characters, and each schedule\'s job within them under the task\'s name', () => {
    const n = names('a-resource-group-with-a-long-name', 'and-a-task-with-a-long-name-too');
    expect(n.job.length).toBeLessThanOrEqual(26);
    expect(n.job).toMatch(/^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/);
    const schedule = n.scheduleJob('nightly_run');
    expect(schedule.length).toBeLessThanOrEqual(32);
    expect(schedule.startsWith(`${n.job}-`)).toBe(true);
    expect(n.scheduleJob('a')).not.toBe(n.scheduleJob('b'));
    expect(() => n.scheduleJob('has space')).toThrow(/cannot name a Container Apps job/);
  });

  it('tells apart tasks whose hyphenated names would read the same', () => {
    const a = names('etl-a', 'b');
    const b = names('etl', 'a-b');
    expect(a.job).not.toBe(b.job);
    expect(a.taskSecretName).not.toBe(b.taskSecretName);
    expect(a.identity).not.toBe(b.identity);
  });

  it('names secrets within Key Vault\'s 127 letters, digits and hyphens, one per secret path', () => {
    expect(createSecretName('/handoff/dev-etl/words')).toMatch(/^handoff-dev-etl-words-[0-9a-f]{8}$/);
    expect(createSecretName('/handoff/dev-etl')).toMatch(/^handoff-dev-etl-[0-9a-f]{8}$/);
    expect(createSecretName('/other/x')).toBeUndefined();
    const long = createSecretName(`/handoff/${'r'.repeat(80)}/${'t'.repeat(80)}`)!;
    expect(long.length).toBeLessThanOrEqual(127);
    expect(long).toMatch(/^[A-Za-z0-9-]+$/);
  });

  it('makes default storage account and vault names Azure accepts, the same for the same subscription and group', () => {
    const account = createDefaultStorageAccount(SUBSCRIPTION, 'rg-data');
    expect(account).toMatch(/^[a-z0-9]{3,24}$/);
    expect(createDefaultStorageAccount(SUBSCRIPTION.toUpperCase(), 'RG-DATA')).toBe(account);
    expect(createDefaultKeyVault(SUBSCRIPTION, 'rg-data')).toMatch(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
  });

  it('makes role assignment names GUIDs that follow from the grant', () => {
    const name = createRoleAssignmentName('/subscriptions/x/resourceGroups/y', 'principal', '/roles/ROLE');
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createRoleAssignmentName('/SUBSCRIPTIONS/x/resourceGroups/Y', 'principal', '/roles/role')).toBe(name);
    expect(createRoleAssignmentName('/subscriptions/x/resourceGroups/y', 'other', '/roles/ROLE')).not.toBe(name);
  });

  it('refuses parts Azure names cannot hold, and a container name over its limit, saying what to change', () => {
    expect(() => names('etl', 'my_task')).toThrow(/task "my_task" can only contain letters, digits and hyphens/);
    try {
      names('x'.repeat(60), 'words');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toMatch(/Blob container name "handoff-dev-x+-[0-9a-f]{8}" is \d+ characters; Azure allows at most 63/);
      expect((error as UserError).fix).toContain('deploy.bucket');
    }
    expect(() => names('etl', 'words', { registry: '' }).imageUri('0.1')).toThrow(/deploy.registry is not set/);
  });
});
