// Every store command has --help text, and asking for help runs nothing (no store is created or touched).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/cli.js';
import { makeStoreProject, runWith } from './store-scenario.js';

const COMMANDS: [string[], string][] = [
  [['config', 'push'], 'upload project.yml'],
  [['config', 'get'], 'download the stored project.yml'],
  [['config', 'print'], 'print the stored project.yml'],
  [['config', 'delete'], 'delete the stored project.yml'],
  [['files', 'push'], 'upload <project>/files/**'],
  [['files', 'get'], 'render files into <workspace>/files'],
  [['files', 'delete'], 'delete <bucket>/<task>/files/'],
  [['secrets', 'push'], 'push the stage\'s secrets'],
  [['secrets', 'print'], 'values masked unless --reveal'],
  [['secrets', 'delete'], 'delete the stage\'s secrets'],
  [['artifacts', 'get'], 'artifacts/last/** into <workspace>/artifacts'],
  [['artifacts', 'push'], 'upload <workspace>/artifacts/**'],
  // Unlike files push, nothing stored is removed (as in the original handoff): the help says so, and how to clear last/.
  [['artifacts', 'push'], 'stored files the workspace no longer has stay in last/ (and in the next archive): `handoff artifacts delete` clears last/ first'],
  [['artifacts', 'archive'], 'artifacts/archives/<UTC ISO time>/'],
  [['artifacts', 'delete'], 'delete artifacts/last/'],
  [['project', 'push'], 'push project.yml, files/ and the stage\'s secrets'],
  [['project', 'delete'], 'delete the stored project.yml, files/ and task-level secrets'],
  [['cloud', 'bucket', 'create'], 'handoff-<RG>-bucket CloudFormation stack'],
  [['cloud', 'bucket', 'delete'], 'the bucket and its contents are retained'],
  [['cloud', 'bucket', 'status'], 'whether the bucket exists'],
  [['run'], 'fetch config, files, secrets and last artifacts from the store'],
];

describe('store commands --help', () => {
  it.each(COMMANDS)('%j --help describes the command and touches nothing', async (words, text) => {
    const home = makeTempDir('handoff-home-');
    const { projectDir } = makeStoreProject();
    const result = await runWith({ HANDOFF_HOME: home }, [...words, '--help', '-p', projectDir, '-y']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(text);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});
