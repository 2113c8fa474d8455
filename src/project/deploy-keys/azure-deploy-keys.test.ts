// Tests of the azure deploy keys: each problem found at its line with what was expected, sizes as Container Apps pairs.
import { describe, expect, it } from 'vitest';
import { UserError, formatDiagnostic } from '../../errors.js';
import { parseProject } from '../parse-project.js';
import { checkContainerAppsSize } from './container-apps-sizes.js';

const file = '/p/project.yml';
const tasks = 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n';
const azure = (extra: string, keys = 'subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590\n  resource_group_name: rg-data\n  location: westeurope\n') =>
  `${tasks}deploy:\n  cloud_provider: azure\n  ${keys}${extra}`;

function problems(text: string): string[] {
  try {
    return parseProject(text, file, '/p').warnings.map(formatDiagnostic);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).diagnostics.map(formatDiagnostic);
  }
}

describe('azure deploy keys', () => {
  it('accepts a complete deploy mapping without a word', () => {
    expect(problems(azure('  cpu: 1024\n  memory: 2048\n  registry: acme.azurecr.io\n  key_vault: acme-secrets\n  storage_account: acmedata\n'))).toEqual([]);
  });

  it('names each missing required key at the deploy mapping', () => {
    const found = problems(azure('', 'resource_group_name: rg-data\n'));
    expect(found).toEqual([
      expect.stringMatching(/^error: \/p\/project\.yml:5:1: deploy: deploy\.subscription_id is missing: the azure provider deploys into an Azure subscription \(add `subscription_id/),
      expect.stringMatching(/^error: \/p\/project\.yml:5:1: deploy: deploy\.location is missing/),
    ]);
  });

  it('finds a region written as the portal shows it, or misspelt, with the name to use', () => {
    expect(problems(azure('', 'subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590\n  resource_group_name: rg\n  location: West Europe\n'))).toEqual([
      'error: /p/project.yml:9:13: deploy.location: deploy.location "West Europe" is not an Azure region name (did you mean "westeurope"?)',
    ]);
    expect(problems(azure('', 'subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590\n  resource_group_name: rg\n  location: eu-west-1\n'))[0]).toContain('is not an Azure region name (Azure region names are lowercase');
    expect(problems(azure('', 'subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590\n  resource_group_name: rg\n  location: westeurop\n'))).toEqual([
      'warning: /p/project.yml:9:13: deploy.location: deploy.location "westeurop" is not an Azure region handoff knows (did you mean "westeurope"? (a region Azure added recently works as written))',
    ]);
  });

  it('refuses a cpu/memory pair Container Apps does not have, at the memory line, listing the pairs', () => {
    const [found] = problems(azure('  cpu: 1024\n  memory: 4096\n'));
    expect(found).toMatch(/^error: \/p\/project\.yml:11:11: deploy\.memory: deploy\.memory 4096 MiB does not go with deploy\.cpu 1024 on Container Apps/);
    expect(found).toContain('with cpu 1024 use memory 2048, or with memory 4096 use cpu 2048; allowed cpu/memory pairs: 256/512, 512/1024');
    expect(problems(azure('  cpu: 300\n'))[0]).toMatch(/10:8: deploy\.cpu: deploy\.cpu 300 is not a Container Apps CPU/);
  });

  it('checks names Azure would refuse before anything is sent', () => {
    const found = problems(azure('  storage_account: Acme-Data\n  key_vault: 1vault\n  registry: https://acme.azurecr.io/\n  subscription_id_x: 1\n', 'subscription_id: acme\n  resource_group_name: rg.\n  location: westeurope\n'));
    expect(found.filter((f) => f.startsWith('error')).map((f) => f.replace(/^error: [^ ]+ /, ''))).toEqual([
      expect.stringContaining('deploy.subscription_id "acme" is not an Azure subscription id'),
      expect.stringContaining('deploy.resource_group_name "rg." is not an Azure resource group name'),
      expect.stringContaining('deploy.storage_account "Acme-Data" is not a storage account name'),
      expect.stringContaining('deploy.key_vault "1vault" is not a Key Vault name'),
      expect.stringContaining('(write the login server only: acme.azurecr.io)'),
    ]);
  });

  it('warns about another cloud\'s keys and about storage, which Container Apps has no use for', () => {
    const found = problems(azure('  subnets: [subnet-1]\n  storage: 30\n'));
    expect(found).toEqual([
      expect.stringContaining('deploy.subnets is read only by the aws provider; this project deploys to azure, which ignores it'),
      expect.stringContaining("deploy.storage is not used on Container Apps"),
    ]);
  });
});

describe('checkContainerAppsSize', () => {
  it('fills the other half of a pair and gives the API its form', () => {
    expect(checkContainerAppsSize({})).toEqual({ size: { cpu: 512, memory: 1024, resources: { cpu: 0.5, memory: '1Gi' } } });
    expect(checkContainerAppsSize({ cpu: 768 })).toEqual({ size: { cpu: 768, memory: 1536, resources: { cpu: 0.75, memory: '1.5Gi' } } });
    expect(checkContainerAppsSize({ memory: 8192 })).toEqual({ size: { cpu: 4096, memory: 8192, resources: { cpu: 4, memory: '8Gi' } } });
    expect('problem' in checkContainerAppsSize({ cpu: 4352 })).toBe(true);
    expect('problem' in checkContainerAppsSize({ memory: 256 })).toBe(true);
  });
});

describe('JSON Schema of the azure keys', () => {
  it('describes every azure key and requires subscription, Azure resource group and location only with cloud_provider azure', async () => {
    const { createProjectJsonSchema } = await import('../json-schema.js');
    const deploy = (createProjectJsonSchema() as { properties: { deploy: { properties: Record<string, { description?: string }>; allOf: unknown[] } } }).properties.deploy;
    for (const key of ['subscription_id', 'resource_group_name', 'location', 'storage_account', 'key_vault', 'environment', 'registry', 'task_timeout', 'max_retries']) {
      expect(deploy.properties[key]?.description, key).toBeTruthy();
    }
    expect(deploy.properties.resource_group_name!.description).toContain("Not handoff's `resource_group`");
    expect(deploy.allOf).toContainEqual({
      anyOf: [
        { type: 'object', properties: { cloud_provider: { enum: ['local', 'aws', 'gcp'] } } },
        expect.objectContaining({ type: 'object', required: ['subscription_id', 'resource_group_name', 'location'] }),
      ],
    });
  });
});
