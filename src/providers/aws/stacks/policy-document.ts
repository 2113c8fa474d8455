// IAM policy document shapes and the trust policies handoff's roles use.
import { UserError } from '../../../errors.js';
import type { Value } from './template.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Service?: string | string[]; AWS?: Value | Value[] } | '*';
  Action: string | string[];
  Resource?: Value | Value[];
  Condition?: Record<string, Record<string, Value | Value[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** An inline policy on an AWS::IAM::Role. */
export interface InlinePolicy {
  PolicyName: string;
  PolicyDocument: PolicyDocument | Record<string, unknown>;
}

export function createPolicyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Trust policy letting an AWS service assume the role, limited to this account with `aws:SourceAccount` so another
 * account's resources cannot use the service to act as this role (the "confused deputy" problem).
 */
export function createServiceTrustPolicy(service: string, options: { sourceAccountCondition?: boolean } = {}): PolicyDocument {
  const statement: PolicyStatement = {
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
  };
  if (options.sourceAccountCondition !== false) {
    statement.Condition = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
  }
  return createPolicyDocument([statement]);
}

/**
 * Checks that a user-supplied policy (deploy.task_policy, already read and parsed by the caller) has the shape IAM
 * accepts, so a typo fails here with the file named instead of halfway through a stack update.
 */
export function validateUserPolicy(policy: unknown, source: string): Record<string, unknown> {
  const fix = `make ${source} a JSON IAM policy document: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [...], "Resource": [...]}]}`;
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new UserError(`${source} is not a JSON object`, { fix, diagnostics: [{ severity: 'error', message: 'not a JSON object', path: 'deploy.task_policy' }] });
  }
  const statement = (policy as Record<string, unknown>).Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) {
    throw new UserError(`${source} has no "Statement"`, { fix, diagnostics: [{ severity: 'error', message: 'no Statement', path: 'deploy.task_policy' }] });
  }
  statements.forEach((s, i) => {
    const ok = typeof s === 'object' && s !== null && ((s as Record<string, unknown>).Effect === 'Allow' || (s as Record<string, unknown>).Effect === 'Deny');
    if (!ok) {
      throw new UserError(`${source}: Statement[${i}] needs "Effect": "Allow" or "Deny"`, {
        fix,
        diagnostics: [{ severity: 'error', message: `Statement[${i}] has no valid Effect`, path: 'deploy.task_policy' }],
      });
    }
  });
  return policy as Record<string, unknown>;
}
