// The local store's names: what its folders and files need, not AWS's IAM, ECR or alarm rules.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createLocalStoreNames, findLocalNameProblems } from './local-names.js';

const target = (over: Partial<{ resourceGroup: string; task: string; stage: string; bucket: string }>) => ({ provider: 'local' as const, stage: 'dev', resourceGroup: 'rg', task: 'job', ...over });

describe('createLocalStoreNames', () => {
  it('builds the layout of the S3 and SSM stores in folders', () => {
    const names = createLocalStoreNames(target({ resourceGroup: 'Etl', task: 'daily' }));
    expect(names).toMatchObject({ bucket: 'handoff-dev-etl', resourceGroup: 'dev-Etl', bareResourceGroup: 'Etl', task: 'daily', ssmTaskPath: '/handoff/dev-Etl/daily' });
    expect(names.s3.projectKey).toBe('daily/project.yml');
    expect(names.taskParameter('TOKEN')).toBe('/handoff/dev-Etl/daily/TOKEN');
    expect(createLocalStoreNames(target({ bucket: 'my.bucket_1' })).bucket).toBe('my.bucket_1');
  });

  it('takes names that only AWS rules refuse (an IAM role name over 64 characters, a reserved stack name)', () => {
    const long = 'a'.repeat(60);
    expect(createLocalStoreNames(target({ resourceGroup: long, task: long })).resourceGroup).toBe(`dev-${long}`);
    expect(createLocalStoreNames(target({ task: 'resources' })).task).toBe('resources');
  });

  it('refuses names the folders and joined file names cannot take, each at its key, never in AWS terms', () => {
    let error: unknown;
    try {
      createLocalStoreNames(target({ resourceGroup: 'FZ_x', task: 'b'.repeat(65), bucket: '../up' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const { message, diagnostics } = error as UserError;
    expect(message).toContain('resource group "FZ_x" can only contain letters, digits and hyphens');
    expect(diagnostics.map((d) => d.path)).toEqual(['deploy.resource_group', 'deploy.task', 'deploy.bucket']);
    expect(JSON.stringify(diagnostics)).not.toMatch(/AWS|IAM|ECR|region/);
    for (const name of ['..', '.', 'a/b', 'a__b', '-a']) expect(findLocalNameProblems({ stage: 'dev', task: name }).map((p) => p.path)).toEqual(['deploy.task']);
    expect(findLocalNameProblems({ stage: 'QA_1' }).map((p) => p.path)).toEqual(['-s/--stage']);
  });
});
