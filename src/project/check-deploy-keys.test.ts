// Tests of the deploy rules that depend on the chosen cloud: its sizes at their line, and keys of another cloud.
import { describe, expect, it } from 'vitest';
import { UserError, formatDiagnostic } from '../errors.js';
import { parseProject } from './load-project.js';

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
});
