// The AWS `deploy` keys as the loader reads them: types checked by the schema, text kept as text, a region checked at its line.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { parseProject } from '../parse-project.js';

const base = 'tasks:\n  - name: a\n    commands:\n      - command: echo\ndeploy:\n  cloud_provider: aws\n  resource_group: rg\n  task: tt\n';

function load(deploy: string) {
  return parseProject(base + deploy, '/p/project.yml', '/p');
}

describe('AWS deploy keys', () => {
  it('normalize every key the AWS provider reads', () => {
    const { project, warnings } = load(
      [
        '  region: eu-west-1',
        '  cluster: data-platform',
        '  static_ip: true',
        '  execution_role_arn: arn:aws:iam::123456789012:role/exec',
        '  task_definition: td.json',
        '  capacity_provider: FARGATE_SPOT',
        '  capacity_provider_weights: {FARGATE_SPOT: 2, FARGATE: 1}',
        '  tags: {team: data, year: 2026}',
        '  platform_config: {state_machine: false, role_arn: arn:aws:iam::123456789012:role/sched}',
        '',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
    expect(project.deploy).toMatchObject({
      region: 'eu-west-1',
      cluster: 'data-platform',
      static_ip: true,
      execution_role_arn: 'arn:aws:iam::123456789012:role/exec',
      task_definition: 'td.json',
      capacity_provider: 'FARGATE_SPOT',
      capacity_provider_weights: { FARGATE_SPOT: 2, FARGATE: 1 },
      // A number written as a tag value is its text.
      tags: { team: 'data', year: '2026' },
      platform_config: { state_machine: false, role_arn: 'arn:aws:iam::123456789012:role/sched' },
    });
  });

  it('warn at its line about a region the installed AWS SDK does not know, with a did-you-mean, and never refuse it', () => {
    const { warnings } = load('  region: us-east-99\n');
    expect(warnings).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: 'deploy.region',
        location: expect.objectContaining({ line: 9 }),
        message: 'deploy.region "us-east-99" is not a region the installed AWS SDK knows',
        hint: 'did you mean "us-east-1"? (a region AWS added after this SDK works as written)',
      }),
    ]);
    expect(load('  region: zz-nowhere-7\n').warnings[0]!.hint).toBe('check the name against the AWS regions (a region AWS added after this SDK works as written)');
    // Regions of every partition the SDK ships are known.
    for (const region of ['eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1']) expect(load(`  region: ${region}\n`).warnings, region).toEqual([]);
  });

  it('refuse what AWS would not take, each at its line', () => {
    const errorOf = (deploy: string): UserError => {
      try {
        load(deploy);
      } catch (e) {
        return e as UserError;
      }
      throw new Error('expected an error');
    };
    expect(errorOf('  region: europe-west1\n').diagnostics[0]).toMatchObject({ path: 'deploy.region', location: { line: 9 }, message: 'deploy.region "europe-west1" is not an AWS region name' });
    expect(errorOf('  capacity_provider: SPOT\n').diagnostics[0]!.path).toBe('deploy.capacity_provider');
    expect(errorOf('  capacity_provider_weights: {FARGATE_SPOT: 2000}\n').diagnostics[0]!.path).toBe('deploy.capacity_provider_weights.FARGATE_SPOT');
    expect(errorOf('  static_ip: yes please\n').diagnostics[0]!.path).toBe('deploy.static_ip');
  });
});
