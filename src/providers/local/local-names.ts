// The local store's names (folders and files under HANDOFF_HOME), checked against what those folders and files need.
import { UserError, type Diagnostic } from '../../errors.js';
import { createSsmParameterNames } from '../aws/names.js';
import type { DeployTarget, StoreNames } from '../provider.js';
import { createS3Layout, createStagedResourceGroup } from '../store/store-layout.js';
import { findLocalNameProblems } from './local-name-rules.js';

export { findLocalNameProblems, MAX_LOCAL_NAME_LENGTH, type LocalNameProblem } from './local-name-rules.js';

// SSM-style secret paths keep the layout of the AWS store; the account and region only lengthen an ARN, which the
// local store has not: these stand-ins keep the check of secret keys as it was.
const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_REGION = 'us-east-1';

/** The store names of a task in the local store; a UserError naming every name that does not fit (findLocalNameProblems). */
export function createLocalStoreNames(target: DeployTarget): StoreNames {
  const problems = findLocalNameProblems(target);
  if (problems.length > 0) {
    const diagnostics: Diagnostic[] = problems.map((p) => ({ severity: 'error', message: p.message, path: p.path, hint: p.fix }));
    throw new UserError(problems[0]!.message, { fix: problems[0]!.fix, diagnostics });
  }
  const resourceGroup = createStagedResourceGroup(target.resourceGroup, target.stage);
  return {
    stage: target.stage,
    bareResourceGroup: target.resourceGroup,
    resourceGroup,
    task: target.task,
    bucket: target.bucket ?? `handoff-${resourceGroup}`.toLowerCase(),
    s3: createS3Layout(target.task),
    ...createSsmParameterNames({ resourceGroup: target.resourceGroup, task: target.task, stage: target.stage, accountId: PLACEHOLDER_ACCOUNT, region: PLACEHOLDER_REGION }),
  };
}
