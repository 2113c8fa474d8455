// Tests of the deploy role stack: trust, external id, scope and IAM's inline policy size limit.
import { describe, expect, it } from 'vitest';
import { MANAGED_POLICY_MAX_CHARACTERS, measurePolicySize, type ManagedPolicyProps } from './deploy-role.js';
import type { PolicyDocument } from './policy-document.js';
import { createRoleStack } from './role-stack.js';
import type { RoleProps } from './roles.js';
import type { Template } from './template.js';

/** The deploy role's managed policies, in order. */
function readPolicies(template: Template): ManagedPolicyProps[] {
  return Object.entries(template.Resources)
    .filter(([id]) => id.startsWith('DeployPolicy'))
    .map(([, r]) => r.Properties as ManagedPolicyProps);
}

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
    const policies = readPolicies(createRoleStack('210987654321', { buckets: ['acme-data'] }));
    const doc: PolicyDocument = { Version: '2012-10-17', Statement: policies.flatMap((p) => p.PolicyDocument.Statement) };
    expect(policies.every((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: 'DeployRole' }]))).toBe(true);
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
  });

  it('splits its statements into managed policies that each fit IAM\'s size limit, none lost', () => {
    const template = createRoleStack('210987654321', { externalId: 'x', buckets: ['acme-data-pipelines'] });
    const policies = readPolicies(template);
    expect(policies.length).toBeGreaterThan(1);
    for (const p of policies) expect(measurePolicySize(p.PolicyDocument)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARACTERS);
    expect(policies.map((p) => p.ManagedPolicyName)).toEqual(policies.map((_, i) => `handoff-role-210987654321-${i + 1}`));
    const sids = policies.flatMap((p) => p.PolicyDocument.Statement.map((s) => s.Sid));
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids).toContain('BoundedRolesOnly');
    expect(sids).toContain('NeverWearHandoffRoles');
    expect((template.Resources.DeployRole!.Properties as RoleProps).Policies).toBeUndefined();
  });
});
