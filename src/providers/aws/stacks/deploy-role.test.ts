// What moto cannot evaluate (conditions, permissions boundaries, most resources), asserted on the generated policy
// documents: the deploy role cannot make an admin, and every role handoff makes is bounded.
import { describe, expect, it } from 'vitest';
import { createDeployNames } from '../names.js';
import { createDeployStatements } from './deploy-role.js';
import { createPermissionsBoundaryDocument } from './permissions-boundary.js';
import type { PolicyStatement } from './policy-document.js';
import { createResourcesStack } from './resources-stack.js';
import type { RoleProps } from './roles.js';
import { createTaskStack } from './task-stack.js';

const statements = createDeployStatements({ buckets: ['acme-data'] });
const actionsOf = (s: PolicyStatement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const allows = statements.filter((s) => s.Effect === 'Allow');
const text = (v: unknown): string => JSON.stringify(v);
const BOUNDARY = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/handoff/handoff-permissions-boundary' };
const READS = /^(ec2|ecs):(Describe|List)/;

describe('the deploy role', () => {
  it('never allows a wildcard action, and reads only with Resource "*"', () => {
    for (const s of allows) {
      for (const a of actionsOf(s)) expect(a, s.Sid).not.toMatch(/\*/);
      if (s.Resource === '*') {
        const mutating = actionsOf(s).filter((a) => !/:(Describe|List|Get|Validate|FilterLog)/.test(a));
        // Account-level calls that take no resource: ECR login, ECS's service-linked role (with its service named).
        expect(mutating.filter((a) => !['ecr:GetAuthorizationToken', 'iam:CreateServiceLinkedRole'].includes(a)), s.Sid).toEqual([]);
      }
    }
  });

  it('changes EC2 and ECS only by ARN pattern or with the handoff:resource-group tag, never on Resource "*"', () => {
    const mutations = allows.filter((s) => actionsOf(s).some((a) => /^(ec2|ecs):/.test(a) && !READS.test(a)));
    expect(mutations.length).toBeGreaterThan(3);
    for (const s of mutations) {
      expect(s.Resource, s.Sid).not.toBe('*');
      const byTag = /handoff:resource-group|ec2:CreateAction|ecs:CreateAction/.test(text(s.Condition));
      const byName = /(cluster|task-definition)\/handoff-\*/.test(text(s.Resource));
      expect(byTag || byName, `${s.Sid} is scoped by tag or by name`).toBe(true);
    }
    // Creating a network resource needs the tag on the request; changing one needs it on the resource.
    expect(statements.find((s) => s.Sid === 'NetworkCreateTagged')!.Condition).toEqual({ Null: { 'aws:RequestTag/handoff:resource-group': 'false' } });
    expect(statements.find((s) => s.Sid === 'NetworkChangeTagged')!.Condition).toEqual({ Null: { 'aws:ResourceTag/handoff:resource-group': 'false' } });
    expect(statements.find((s) => s.Sid === 'EcsStopTaggedTasks')!.Condition).toEqual({ Null: { 'aws:ResourceTag/handoff:resource-group': 'false' } });
  });

  it('creates or changes a role\'s permissions only under /handoff/ and with the handoff boundary on it', () => {
    const roleWrites = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary'];
    const granting = allows.filter((s) => actionsOf(s).some((a) => roleWrites.includes(a)));
    expect(granting.flatMap(actionsOf).sort()).toEqual([...roleWrites].sort());
    for (const s of granting) {
      expect(s.Condition?.StringEquals?.['iam:PermissionsBoundary'], s.Sid).toEqual(BOUNDARY);
      expect(s.Resource, s.Sid).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/handoff/*' });
    }
    // The only managed policy it may attach is ECS's execution policy.
    expect(statements.find((s) => actionsOf(s).includes('iam:AttachRolePolicy'))!.Condition!.ArnEquals).toEqual({
      'iam:PolicyARN': { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' },
    });
    // No IAM user, group or policy of its own; the boundary and a role's boundary are denied outright.
    expect(allows.flatMap(actionsOf).filter((a) => /^iam:(CreateUser|CreateGroup|CreatePolicy|CreateAccessKey|.*User)/.test(a))).toEqual([]);
    const deny = statements.find((s) => s.Sid === 'NeverEscalate')!;
    expect(deny.Effect).toBe('Deny');
    expect(actionsOf(deny)).toEqual(expect.arrayContaining(['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion']));
    expect(statements.find((s) => s.Sid === 'NeverWearHandoffRoles')).toMatchObject({ Effect: 'Deny', Action: 'sts:AssumeRole' });
  });

  it('passes roles only to the services that run tasks: handoff\'s roles, or roles an admin tagged handoff:passable', () => {
    const passing = allows.filter((s) => actionsOf(s).includes('iam:PassRole'));
    expect(passing.map((s) => s.Sid)).toEqual(['PassHandoffRoles', 'PassTaggedRoles']);
    for (const s of passing) expect(s.Condition!.StringEquals!['iam:PassedToService']).toEqual(['ecs-tasks.amazonaws.com', 'states.amazonaws.com', 'scheduler.amazonaws.com']);
    expect(passing[1]!.Condition!.StringEquals!['aws:ResourceTag/handoff:passable']).toBe('true');
  });
});

describe('the permissions boundary', () => {
  const boundary = createPermissionsBoundaryDocument().Statement;

  it('allows no IAM action but passing roles to ECS, no wildcard action, and no role of this account to be assumed', () => {
    const actions = boundary.flatMap(actionsOf);
    expect(actions.filter((a) => a.startsWith('iam:'))).toEqual(['iam:PassRole', 'iam:PassRole']);
    expect(actions).not.toContain('*');
    expect(actions.filter((a) => /^(organizations|account|cloudformation|lambda|ec2):/.test(a))).toEqual([]);
    for (const s of boundary.filter((x) => actionsOf(x).includes('iam:PassRole'))) expect(s.Condition!.StringEquals!['iam:PassedToService']).toBe('ecs-tasks.amazonaws.com');
    expect(boundary.find((s) => actionsOf(s).includes('sts:AssumeRole'))!.Condition).toEqual({ StringNotEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('is on every role the resources and task stacks make', () => {
    const names = createDeployNames({ resourceGroup: 'etl', task: 'words', stage: 'dev', accountId: '123456789012', region: 'us-east-1' });
    const roles = [
      ...Object.values(createResourcesStack(names, {}).Resources),
      ...Object.values(createTaskStack(names, {}, { imageUri: names.ecrImageUri('1') }).Resources),
    ].filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles).toHaveLength(4);
    for (const r of roles) expect((r.Properties as RoleProps).PermissionsBoundary).toBe(names.permissionsBoundaryArn);
  });
});
