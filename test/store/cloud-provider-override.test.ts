// --cloud-provider over a project written for another cloud: `deploy` is checked for the provider the command uses.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir } from '../helpers/cli.js';
import { runWith } from './store-scenario.js';

// Written for Google Cloud, with a size Fargate takes and Cloud Run does not (Cloud Run jobs start at 1 vCPU).
const gcpProject = `tasks:
- name: t
  commands:
  - command: echo "cpu {{ HO_CPU }}" > artifacts/out.txt
deploy:
  cloud_provider: gcp
  resource_group: rg
  task: etl-task
  gcp_project: acme-data-prod
  region: europe-west1
  cpu: 256
  memory: 512
`;

// Written for AWS, with a key only AWS reads.
const awsProject = `tasks:
- name: t
  commands:
  - command: "true"
deploy:
  cloud_provider: aws
  resource_group: rg
  task: etl-task
  region: eu-west-1
  cpu: 256
  memory: 512
  subnets: [subnet-0123]
`;

const cloudRunCpu = 'is not a CPU Cloud Run jobs allow';

describe('--cloud-provider checks deploy for the provider it names', () => {
  it('the project\'s own cloud still checks it without the flag', async () => {
    const { projectDir } = makeProject(gcpProject);
    const r = await runWith({}, ['config', 'validate', '-p', projectDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(cloudRunCpu);
  });

  it('--cloud-provider local: the store commands, run local -a and the container entry point (handoff run) go on, without the Cloud Run size error', async () => {
    const { projectDir, workspaceDir } = makeProject(gcpProject);
    const home = makeTempDir('handoff-home-');
    const env = { HANDOFF_HOME: home };
    const local = ['--cloud-provider', 'local'];
    for (const args of [['config', 'validate'], ['cloud', 'bucket', 'create'], ['project', 'push', '-y']]) {
      const r = await runWith(env, [...args, '-p', projectDir, ...local]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain(cloudRunCpu);
    }
    const pushed = await runWith(env, ['run', 'local', '-p', projectDir, '-w', workspaceDir, '-a', ...local]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).not.toContain(cloudRunCpu);

    // What a container runs: the project fetched from the store, no -p.
    const fetchedWorkspace = path.join(makeTempDir(), 'ws');
    const ran = await runWith(env, ['run', '-e', 'resource_group=rg', 'task=etl-task', '-w', fetchedWorkspace, ...local]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(fs.readFileSync(path.join(fetchedWorkspace, 'artifacts', 'out.txt'), 'utf8')).toBe('cpu 256\n');
  });

  it('--cloud-provider aws on a Google Cloud project: AWS\'s checks, each saying why, and a warning for the keys AWS ignores', async () => {
    const { projectDir } = makeProject(gcpProject);
    const home = makeTempDir('handoff-home-');
    for (const args of [['config', 'validate'], ['cloud', 'bucket', 'status']]) {
      // No endpoint is ever called: the project is refused when it is loaded.
      const r = await runWith({ HANDOFF_HOME: home, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }, [...args, '-p', projectDir, '--cloud-provider', 'aws']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toContain(cloudRunCpu);
      expect(r.stderr).toMatch(/project\.yml:10:\d+: deploy\.region: deploy\.region "europe-west1" is not an AWS region name \(checked for --cloud-provider aws; project\.yml deploys to gcp\)/);
      expect(r.stderr).toMatch(/warning: .*project\.yml:9:\d+: deploy\.gcp_project: deploy\.gcp_project is read only by the gcp provider; this command uses --cloud-provider aws, which ignores it/);
    }
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('--cloud-provider gcp on an AWS project: what Google Cloud needs is missing, and AWS\'s keys are said to be ignored', async () => {
    const { projectDir } = makeProject(awsProject);
    const r = await runWith({}, ['config', 'validate', '-p', projectDir, '--cloud-provider', 'GCP']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('deploy.gcp_project is missing: the gcp provider deploys into a Google Cloud project (checked for --cloud-provider gcp; project.yml deploys to aws)');
    expect(r.stderr).toContain('deploy.region "eu-west-1" is not a Google Cloud region');
    expect(r.stderr).toContain(`deploy.cpu 256 ${cloudRunCpu}`);
    expect(r.stderr).toMatch(/deploy\.subnets is read only by the aws provider; this command uses --cloud-provider gcp, which ignores it/);
    // Without the flag the same file is valid for its own cloud.
    const own = await runWith({}, ['config', 'validate', '-p', projectDir]);
    expect(own.code, own.stderr).toBe(0);
  });
});
