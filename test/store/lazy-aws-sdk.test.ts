// The AWS SDK is loaded only when the aws provider is chosen: not by --help, run local, or the local provider.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, repoRoot } from '../helpers/cli.js';
import { findFilesWithPackage, runRecorded } from '../helpers/module-recorder.js';

const filesWithAwsSdk = (files: string[]): string[] => findFilesWithPackage(files, '@aws-sdk/');

describe('lazy loading of the AWS SDK', () => {
  it('--help loads no bundle file with AWS SDK code', async () => {
    for (const args of [['--help'], ['run', '--help'], ['secrets', 'push', '--help'], ['cloud', 'bucket', '--help']]) {
      const result = await runRecorded(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.loaded).toContain(path.join(repoRoot, 'dist', 'handoff.js'));
      expect(filesWithAwsSdk(result.loaded), args.join(' ')).toEqual([]);
    }
  });

  it('run local and the local provider load no AWS SDK code', async () => {
    const { projectDir, workspaceDir } = makeProject('tasks:\n  - name: hello\n    commands:\n      - command: echo\n        args: hi\n');
    const run = await runRecorded(['run', 'local', '-p', projectDir, '-w', workspaceDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.loaded.length).toBeGreaterThan(1);
    expect(filesWithAwsSdk(run.loaded)).toEqual([]);

    const local = await runRecorded(['cloud', 'bucket', 'status', '-e', 'resource_group=rg', 'task=t'], { HANDOFF_HOME: makeTempDir() });
    expect(local.code, local.stderr).toBe(0);
    expect(filesWithAwsSdk(local.loaded)).toEqual([]);
  });

  it('the aws provider does load it (the check above can see SDK code when it is there)', async () => {
    const aws = await runRecorded(['cloud', 'bucket', 'status', '--cloud-provider', 'aws', '-e', 'resource_group=rg', 'task=t'], {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_PROFILE: '',
    });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('no AWS region is set');
    expect(filesWithAwsSdk(aws.loaded).length).toBeGreaterThan(0);
  });
});
