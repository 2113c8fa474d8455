// Tests of the Google Cloud names: the layout shared with S3, and each name within Google's limits.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { createGcpNames, createOwnerMark, createServiceAccountId, toSecretId } from './names.js';

const base = { resourceGroup: 'etl', task: 'rates', stage: 'dev', project: 'acme-data', region: 'europe-west1' };

function failure(input: Partial<typeof base> & Record<string, unknown>): UserError {
  try {
    createGcpNames({ ...base, ...input } as typeof base);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected createGcpNames to throw');
}

describe('createGcpNames', () => {
  it('names every resource of a task, with the stage prefix on the resource group only', () => {
    const names = createGcpNames(base);
    expect(names).toMatchObject({
      resourceGroup: 'dev-etl',
      bucket: 'handoff-dev-etl-3b3aa76a',
      jobId: 'handoff-dev-etl-rates',
      job: 'projects/acme-data/locations/europe-west1/jobs/handoff-dev-etl-rates',
      taskServiceAccount: 'ho-dev-etl-rates@acme-data.iam.gserviceaccount.com',
      schedulerServiceAccount: 'ho-dev-etl--sched@acme-data.iam.gserviceaccount.com',
      taskSecretId: 'handoff_dev-etl_rates',
      resourceGroupSecretId: 'handoff_dev-etl',
      scheduleJobPrefix: 'handoff_dev-etl_rates_',
      failedMetric: 'handoff_dev-etl_rates_failed_tasks',
      imageRepositoryPath: 'europe-west1-docker.pkg.dev/acme-data/handoff/rates',
      labels: { 'handoff-resource-group': 'dev-etl', 'handoff-task': 'rates', 'handoff-stage': 'dev', 'handoff-owner': createOwnerMark('dev', 'etl', 'rates') },
      resourceGroupLabels: { 'handoff-resource-group': 'dev-etl', 'handoff-stage': 'dev', 'handoff-owner': createOwnerMark('dev', 'etl') },
    });
    // Names that Google Cloud lowercases alike carry different owner marks: the stage, the spelling, the split.
    const marks = [['dev', 'etl'], ['prod', 'dev-etl'], ['dev', 'Etl'], ['Dev', 'etl']].map(([stage, rg]) => createGcpNames({ ...base, stage: stage!, resourceGroup: rg! }).labels['handoff-owner']);
    expect(new Set(marks).size).toBe(4);
    expect(createGcpNames({ ...base, bucket: 'shared-bucket' }).bucketLabels).toEqual({ 'handoff-resource-group': 'dev-etl' });
    expect(names.s3.fileKey('a/b.sql')).toBe('rates/files/a/b.sql');
    expect(names.taskParameter('API_TOKEN')).toBe('/handoff/dev-etl/rates/API_TOKEN');
    expect(names.scheduleJob('1')).toBe('projects/acme-data/locations/europe-west1/jobs/handoff_dev-etl_rates_1');
    expect(names.imageUri('0.3')).toBe('europe-west1-docker.pkg.dev/acme-data/handoff/rates:0.3');
    expect(createGcpNames({ ...base, stage: 'prod' }).jobId).toBe('handoff-etl-rates');
  });

  it('shortens service account ids past 30 characters with a hash, keeping them unique and valid', () => {
    expect(createServiceAccountId('ho-dev-etl-rates')).toBe('ho-dev-etl-rates');
    const a = createServiceAccountId('ho-dev-marketing-analytics-exchange-rates');
    const b = createServiceAccountId('ho-dev-marketing-analytics-exchange-rated');
    expect(a).toHaveLength(30);
    expect(a).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])$/);
    expect(a).not.toBe(b);
  });

  it('refuses names Google would, naming the input to change', () => {
    const long = failure({ task: 'a-very-long-task-name-that-makes-the-cloud-run-job-id-too-long' });
    expect(long.message).toMatch(/Cloud Run job name "handoff-dev-etl-a-very-long.*" is \d+ characters; Google Cloud allows at most 63/);
    expect(long.fix).toMatch(/shorten deploy.resource_group .* or deploy.task by at least \d+ characters/);
    expect(failure({ task: 'my_task' }).message).toContain('task "my_task" can only contain letters, digits and hyphens');
    expect(failure({ bucket: 'google-data' }).message).toContain('contains "google"');
    expect(failure({ project: 'Acme' }).message).toContain('"Acme" is not a Google Cloud project id');
    expect(() => createGcpNames(base).scheduleJobId('a.b')).toThrow('cannot name a Cloud Scheduler job');
    expect(() => createGcpNames(base).taskParameter('has space')).toThrow('secret key "has space" is invalid');
  });

  it('maps a secret path to its secret id', () => {
    expect(toSecretId('/handoff/dev-etl/rates')).toBe('handoff_dev-etl_rates');
    expect(toSecretId('/handoff/dev-etl')).toBe('handoff_dev-etl');
    expect(toSecretId('/other/x')).toBeUndefined();
  });
});
