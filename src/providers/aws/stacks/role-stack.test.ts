// Tests of the deploy role stack: trust, external id, scope and IAM's inline policy size limit.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from './policy-document.js';
import { createRoleStack } from './role-stack.js';
import type { RoleProps } from './roles.js';

describe('createRoleStack', () => {
  it('names the role after the account that may assume it and trusts only that account', () => {
    const role = createRoleStack('210987654321').Resources.DeployRole!.Properties as RoleProps;
    expect(role.RoleName).toBe('handoff-role-210987654321');
    expect(role.Path).toBe('/');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::210987654321:root' } }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('requires the external id when one is given', () => {
    const role = createRoleStack('210987654321', { externalId: 'secret-1' }).Resources.DeployRole!.Properties as RoleProps;
    expect(role.AssumeRolePolicyDocument.Statement[0]!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'secret-1' } });
    expect(() => createRoleStack('21098765')).toThrow(/12-digit/);
  });

  it('covers every service the cloud commands use, with handoff-named resources, and extra buckets when asked', () => {
    const role = createRoleStack('210987654321', { buckets: ['acme-data'] }).Resources.DeployRole!.Properties as RoleProps;
    const doc = role.Policies![0]!.PolicyDocument as PolicyDocument;
    const actions = doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    const services = new Set(actions.map((a) => a.split(':')[0]));
    for (const service of ['cloudformation', 'ecs', 'ecr', 's3', 'ssm', 'logs', 'states', 'scheduler', 'iam', 'sns', 'cloudwatch', 'ec2']) {
      expect(services).toContain(service);
    }
    expect(actions).toContain('iam:PassRole');
    const text = JSON.stringify(doc);
    expect(text).toContain('s3:::handoff-*');
    expect(text).toContain('s3:::acme-data/*');
    expect(text).toContain('parameter/handoff/*');
    // Roles it may edit are under /handoff/; the deploy role itself (path "/") is not, so it cannot widen itself.
    expect(text).toContain(':role/handoff/*');
    expect(text).not.toContain(':role/*');
  });

  it('stays under IAM\'s 10,240-character limit for a role\'s inline policies', () => {
    const role = createRoleStack('210987654321', { externalId: 'x', buckets: ['acme-data-pipelines'] }).Resources.DeployRole!.Properties as RoleProps;
    // Resolve the partition and account as the longest real values would, then count without whitespace as IAM does.
    const resolved = JSON.stringify(role.Policies![0]!.PolicyDocument)
      .replace(/\{"Fn::Sub":("[^"]*")\}/g, '$1')
      .replaceAll('${AWS::Partition}', 'aws-us-gov')
      .replaceAll('${AWS::AccountId}', '210987654321');
    expect(resolved.length).toBeLessThan(10_240);
  });
});
