// Which store a command uses: deploy keys, -e overrides, --cloud-provider, and the errors when names are missing.
import { describe, expect, it } from 'vitest';
import type { UserError } from '../../errors.js';
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
    expect(() => resolveDeployTarget({ envs: { resource_group: 'rg', task: 't' }, cloudProvider: 'oracle', stage: 'dev' })).toThrow('unknown cloud provider "oracle"');
  });

  it('says the original handoff\'s container variables are not read, and gives the -e that does the same', () => {
    const hostEnv = { HO_RESOURCE_GROUP: 'dev-etl', HO_TASK: 'exchange-rates', HO_BUCKET: 'acme-dev-etl' };
    const error = (() => {
      try {
        resolveDeployTarget({ stage: 'dev', hostEnv });
      } catch (e) {
        return e as UserError;
      }
      throw new Error('no error');
    })();
    expect(error.message).toBe(
      "no resource group: deploy.resource_group is not set (HO_RESOURCE_GROUP=dev-etl, HO_TASK=exchange-rates, HO_BUCKET=acme-dev-etl are set: the original handoff's container variables, which handoff does not read)",
    );
    // The stage prefix is the original's: the bare name is what -e takes (never read silently: it would become dev-dev-etl).
    expect(error.fix).toBe(
      "pass -e resource_group=etl task=exchange-rates bucket=acme-dev-etl (handoff adds the stage prefix itself: the original's HO_RESOURCE_GROUP=dev-etl carries it), or -p <a project folder> whose project.yml has deploy.resource_group and deploy.task",
    );
    // A value without this stage's prefix is not guessed at; a name given with -e is kept.
    expect(() => resolveDeployTarget({ stage: 'prod', envs: { task: 't' }, hostEnv: { HO_RESOURCE_GROUP: 'dev-etl' } })).toThrow(
      expect.objectContaining({ fix: expect.stringMatching(/^pass -e resource_group=<name without the stage prefix> task=t \(/) }),
    );
    expect(() => resolveDeployTarget({ stage: 'dev', envs: { resource_group: 'etl' }, hostEnv: { HO_TASK: 'rates' } })).toThrow(
      "no task: deploy.task is not set (HO_TASK=rates is set: the original handoff's container variables, which handoff does not read)",
    );
    // They are never taken as the store's names, and change nothing when the names are given.
    expect(resolveDeployTarget({ stage: 'dev', envs: { resource_group: 'etl', task: 't' }, hostEnv }).resourceGroup).toBe('etl');
    expect(() => resolveDeployTarget({ stage: 'dev', hostEnv: { HO_BUCKET: 'b' } })).toThrow(
      expect.objectContaining({ fix: 'pass -p <a project folder> whose project.yml has deploy.resource_group, or -e resource_group=<name> task=<name>' }),
    );
  });
});
