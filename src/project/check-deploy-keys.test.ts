// Tests of the deploy rules that depend on the chosen cloud: its sizes at their line, and keys of another cloud.
import { describe, expect, it } from 'vitest';
import { UserError, formatDiagnostic } from '../errors.js';
import { parseProject } from './parse-project.js';

const file = '/p/project.yml';
const tasks = 'tasks:\n  - name: t\n    commands:\n      - command: "true"\n';

function messages(text: string): string[] {
  try {
    return parseProject(text, file, '/p').warnings.map(formatDiagnostic);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).diagnostics.map(formatDiagnostic);
  }
}

describe('deploy keys of the chosen cloud', () => {
  it('finds a Fargate size AWS would refuse at the line of the key, naming the valid values', () => {
    const found = messages(`${tasks}deploy:\n  cloud_provider: aws\n  cpu: 512\n  memory: 9999\n`);
    expect(found).toEqual([
      'error: /p/project.yml:8:11: deploy.memory: deploy.memory 9999 MiB is not valid with deploy.cpu 512 on Fargate (with cpu 512, memory must be one of 1024, 2048, 3072, 4096 (MiB))',
    ]);
    expect(messages(`${tasks}deploy:\n  cloud_provider: aws\n  cpu: 300\n`)[0]).toContain('/p/project.yml:7:8: deploy.cpu: deploy.cpu 300 is not a Fargate cpu value (use one of 256, 512');
  });

  it('leaves sizes alone for the local provider, which has none', () => {
    expect(messages(`${tasks}deploy:\n  cpu: 300\n  memory: 9999\n`)).toEqual([]);
  });

  it('does not warn about a cloud key kept in a project that runs locally', () => {
    expect(messages(`${tasks}deploy:\n  cloud_provider: local\n  subnets: [subnet-1]\n`)).toEqual([]);
  });

  it('gcp: a missing project id and region are errors at deploy:, a malformed region at its line with a suggestion', () => {
    expect(messages(`${tasks}deploy:\n  cloud_provider: gcp\n`)).toEqual([
      'error: /p/project.yml:5:1: deploy: deploy.gcp_project is missing: the gcp provider deploys into a Google Cloud project (add `gcp_project: <project id>` under deploy:)',
      'error: /p/project.yml:5:1: deploy: deploy.region is missing: the gcp provider needs the region of the Cloud Run job (add `region: <region>` under deploy:, e.g. europe-west1)',
    ]);
    expect(messages(`${tasks}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: europe-wst1\n`)).toEqual([
      'warning: /p/project.yml:8:11: deploy.region: deploy.region "europe-wst1" is not a Cloud Run region handoff knows (did you mean "europe-west1"? (a region Google added recently works as written))',
    ]);
    expect(messages(`${tasks}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: eu-west-1\n`)[0]).toBe(
      'error: /p/project.yml:8:11: deploy.region: deploy.region "eu-west-1" is not a Google Cloud region (Google Cloud regions look like europe-west1 or us-central1)',
    );
    expect(messages(`${tasks}deploy:\n  cloud_provider: gcp\n  gcp_project: Acme\n  region: us-central1\n`)[0]).toContain('deploy.gcp_project "Acme" is not a Google Cloud project id');
  });

  it('gcp: a CPU/memory pair Cloud Run refuses, located, naming the allowed combinations', () => {
    const base = `${tasks}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: us-central1\n`;
    const [tooBig] = messages(`${base}  cpu: 1024\n  memory: 8192\n`);
    expect(tooBig).toContain('/p/project.yml:10:11: deploy.memory: deploy.memory 8192 MiB is not allowed with deploy.cpu 1024 (1 vCPU) on Cloud Run');
    expect(tooBig).toContain('with 1 vCPU use 512 to 4096 MiB; allowed: 1 vCPU (cpu: 1024) with 512-4096 MiB; 2 vCPU (cpu: 2048) with 512-8192 MiB');
    expect(messages(`${base}  cpu: 512\n`)[0]).toContain('/p/project.yml:9:8: deploy.cpu: deploy.cpu 512 is not a CPU Cloud Run jobs allow (use 1024, 2048, 4096, 6144, 8192');
    expect(messages(`${base}  cpu: 4096\n  memory: 1024\n`)[0]).toContain('deploy.memory 1024 MiB is not allowed with deploy.cpu 4096 (4 vCPU) on Cloud Run');
    expect(messages(`${base}  cpu: 2048\n  memory: 8192\n`)).toEqual([]);
  });

  it('warns about the keys of another cloud, naming it, and about common keys the chosen cloud does not use', () => {
    const found = messages(`${tasks}deploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: us-central1\n  subnets: [subnet-1]\n  storage: 30\n`);
    expect(found).toEqual([
      'warning: /p/project.yml:9:3: deploy.subnets: deploy.subnets is read only by the aws provider; this project deploys to gcp, which ignores it (remove it, or set cloud_provider: aws)',
      "warning: /p/project.yml:10:12: deploy.storage: deploy.storage is not used on Cloud Run: a job's disk is in memory (remove it; raise deploy.memory for more disk)",
    ]);
    expect(messages(`${tasks}deploy:\n  cloud_provider: aws\n  gcp_project: acme-data\n`)).toEqual([
      'warning: /p/project.yml:7:3: deploy.gcp_project: deploy.gcp_project is read only by the gcp provider; this project deploys to aws, which ignores it (remove it, or set cloud_provider: gcp)',
    ]);
  });

  it('azure: deploy.region, which aws and gcp both read, is one warning naming both clouds', () => {
    const azure = `${tasks}deploy:\n  cloud_provider: azure\n  subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590\n  resource_group_name: rg-data\n  location: westeurope\n  region: us-east-1\n`;
    expect(messages(azure)).toEqual([
      'warning: /p/project.yml:10:3: deploy.region: deploy.region is read only by the aws and gcp providers; this project deploys to azure, which ignores it (remove it, or set cloud_provider: aws or gcp)',
    ]);
  });
});
