// Which store a command uses: deploy keys, -e overrides, --cloud-provider, and the errors when names are missing.
import { describe, expect, it } from 'vitest';
import { resolveDeployTarget } from './deploy-target.js';

describe('resolveDeployTarget', () => {
  it('takes deploy keys, lets -e override them and --cloud-provider override deploy.cloud_provider', () => {
    const deploy = { cloud_provider: 'aws' as const, resource_group: 'etl', task: 'rates', bucket: 'my-bucket' };
    expect(resolveDeployTarget({ deploy, stage: 'dev' })).toEqual({ provider: 'aws', stage: 'dev', resourceGroup: 'etl', task: 'rates', bucket: 'my-bucket', profile: undefined, deploy });
    expect(resolveDeployTarget({ deploy, stage: 'prod', envs: { task: 'other', bucket: 'b2' }, cloudProvider: 'local', profile: 'p' })).toEqual({
      provider: 'local',
      stage: 'prod',
      resourceGroup: 'etl',
      task: 'other',
      bucket: 'b2',
      profile: 'p',
      deploy,
    });
  });

  it('defaults to the local provider', () => {
    expect(resolveDeployTarget({ envs: { resource_group: 'rg', task: 't' }, stage: 'dev' }).provider).toBe('local');
  });

  it('names what is missing and how to give it', () => {
    expect(() => resolveDeployTarget({ deploy: { task: 't' }, projectFile: '/p/project.yml', stage: 'dev' })).toThrow(
      'no resource group: deploy.resource_group is not set in /p/project.yml',
    );
    expect(() => resolveDeployTarget({ envs: { resource_group: 'rg' }, stage: 'dev' })).toThrow('no task: deploy.task is not set');
    expect(() => resolveDeployTarget({ envs: { resource_group: 'rg', task: 't' }, cloudProvider: 'azure', stage: 'dev' })).toThrow('unknown cloud provider "azure"');
  });
});
