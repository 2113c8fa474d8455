// The local store's name rules: which stage, resource group, task and bucket can name its folders and files.
// Apart from local-names.ts so that `config validate` checks them without loading the cloud names and node:crypto.

/**
 * The local store is folders, not AWS: it needs no IAM, ECR or alarm name to fit (those are checked when the project
 * deploys to AWS, at their line of project.yml). What it needs: the stage, resource group and task become folder
 * names (`buckets/handoff-<stage>-<RG>/<task>/`, `parameters/handoff/<stage>-<RG>/<task>/`) and are joined with "-"
 * and "__" into file names (a schedule is `<stage>-<RG>__<task>__<target_id>.json`), so they must not hold a "/", a
 * "." or a "_" (`a__b` + `c` and `a` + `b__c` would share a file), and must be short enough for those file names to
 * stay within the 255 bytes file systems allow.
 */
const NAME_PART = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
export const MAX_LOCAL_NAME_LENGTH = 64;
// A named bucket is one folder under buckets/: no "/" and no "." or ".." of its own.
const BUCKET_FOLDER = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const MAX_BUCKET_FOLDER_LENGTH = 255;

/** One name that does not fit, at the key it comes from (`deploy.task`), or `-s/--stage`. */
export interface LocalNameProblem {
  path: 'deploy.resource_group' | 'deploy.task' | 'deploy.bucket' | '-s/--stage';
  message: string;
  fix: string;
}

/** Every name of the target that the local store cannot use as it is; empty when all fit. */
export function findLocalNameProblems(input: { stage: string; resourceGroup?: string; task?: string; bucket?: string }): LocalNameProblem[] {
  const problems: LocalNameProblem[] = [];
  const checkPart = (value: string | undefined, what: string, path: LocalNameProblem['path']): void => {
    if (value === undefined) return;
    if (!NAME_PART.test(value)) {
      const suggestion = value.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_LOCAL_NAME_LENGTH);
      problems.push({
        path,
        message: `${what} "${value}" can only contain letters, digits and hyphens (not at the start or end): it names folders and files of the local store, which join names with "-" and "__"`,
        fix: suggestion ? `rename the ${what}, e.g. "${suggestion}"` : `rename the ${what}`,
      });
    } else if (value.length > MAX_LOCAL_NAME_LENGTH) {
      problems.push({
        path,
        message: `${what} "${value.slice(0, 20)}…" is ${value.length} characters; the local store takes at most ${MAX_LOCAL_NAME_LENGTH}, so that the file names made of it fit in 255 bytes`,
        fix: `shorten the ${what} by at least ${value.length - MAX_LOCAL_NAME_LENGTH} characters`,
      });
    }
  };
  checkPart(input.stage, 'stage', '-s/--stage');
  checkPart(input.resourceGroup, 'resource group', 'deploy.resource_group');
  checkPart(input.task, 'task', 'deploy.task');
  const bucket = input.bucket;
  if (bucket !== undefined && (!BUCKET_FOLDER.test(bucket) || bucket.includes('..') || bucket.length > MAX_BUCKET_FOLDER_LENGTH)) {
    problems.push({
      path: 'deploy.bucket',
      message: `bucket "${bucket.length > 40 ? `${bucket.slice(0, 40)}…` : bucket}" cannot be a folder of the local store: it takes up to ${MAX_BUCKET_FOLDER_LENGTH} letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit, without ".."`,
      fix: 'change deploy.bucket (or -e bucket=), or remove it to use handoff-<stage>-<resource group>',
    });
  }
  return problems;
}
