// Malformed and unusual input files through the real CLI, as a fuzz review found them: read as PyYAML read them, or
// refused at their line with exit 2 before anything starts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from '../helpers/cli.js';

const TASKS = 'tasks:\n- name: t1\n  commands:\n  - command: echo hi\n';

describe('local provider names', () => {
  it('deploy.resource_group and deploy.task that the local store refuses are errors of config validate at their line, and a store command says the same there', async () => {
    const home = makeTempDir();
    const { projectDir } = makeProject(`${TASKS}deploy:\n  cloud_provider: local\n  resource_group: FZ_x\n  task: ${'b'.repeat(300)}\n`);
    const validate = await runCli(['config', 'validate', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(validate.code, validate.stderr).toBe(2);
    expect(validate.stderr).toMatch(/project\.yml:7:19: deploy\.resource_group: resource group "FZ_x" can only contain letters, digits and hyphens/);
    expect(validate.stderr).toMatch(/project\.yml:8:9: deploy\.task: task "b+…" is 300 characters; the local store takes at most 64/);
    const push = await runCli(['secrets', 'push', '-y', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(push.code, push.stderr).toBe(2);
    expect(push.stderr).toMatch(/project\.yml:7:19: deploy\.resource_group: resource group "FZ_x"/);
    // The local store is folders: no IAM, ECR, alarm or region rule is applied to it.
    expect(`${validate.stderr}${push.stderr}`).not.toMatch(/IAM|ECR|CloudWatch|use1|AWS/);
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('names only AWS would refuse (its role names are at most 64 characters) are valid locally and stored', async () => {
    const home = makeTempDir();
    const long = 'a'.repeat(40);
    const { projectDir } = makeProject(`${TASKS}deploy:\n  resource_group: ${long}\n  task: ${long}\n`);
    const validate = await runCli(['config', 'validate', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(validate.code, validate.stderr).toBe(0);
    const bucket = await runCli(['cloud', 'bucket', 'create', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(bucket.code, bucket.stderr).toBe(0);
    const push = await runCli(['config', 'push', '-p', projectDir], { env: { HANDOFF_HOME: home } });
    expect(push.code, push.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'buckets', `handoff-dev-${long}`, long, 'project.yml'))).toBe(true);
  });
});
