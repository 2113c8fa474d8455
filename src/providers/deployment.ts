// What a cloud provider's deployment does for `cloud <kind> create|update|delete|status`, `cloud plan|deploy|export`.
import type { OtherTask } from './deploy/other-tasks.js';
import type { Project } from '../project/types.js';
import type { Secret } from '../secrets/local-secrets.js';
import type { ProjectSyncPlan } from './deploy/sync-project.js';

/**
 * What a deploy reports while it works; the CLI renders them, tests read them. A step is one unit the cloud deploys
 * as a whole: a CloudFormation stack, a Cloud Run job, a service account. `what` names its kind for people
 * ("stack", "Cloud Run job"), `how` says how it is changed when that matters ("change set").
 */
export type DeployEvent =
  | { type: 'step-start'; kind: string; what: string; name: string; action: 'create' | 'update' | 'delete'; how?: string }
  | { type: 'step-progress'; name: string; message: string; failed: boolean }
  | { type: 'step-done'; kind: string; what: string; name: string; action: DeployStepResult }
  | { type: 'notice'; level: 'info' | 'warning'; message: string };

/** `retained`: a delete left it in place because something else still needs it (another task sharing it). */
export type DeployStepResult = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent' | 'retained';

export type ManageAction = 'create' | 'update' | 'delete' | 'status';

/** One `cloud <kind> <action>`: the project when `-p` was given, and the `-v` values as written. */
export interface ManageRequest {
  project?: Project;
  /** `-v` tokens as written, so values such as account ids keep their text (the -v parser makes numbers of them). */
  rawVars: readonly string[];
  /** `-v version=`: the image tag to deploy. */
  imageVersion?: string;
  onEvent(event: DeployEvent): void;
}

/** A whole deploy (`cloud plan`, `cloud deploy`): the project, its stage's secrets and the image version. */
export interface DeployRequest {
  project: Project;
  /** The stage's local secrets (push: false ones are skipped), already loaded. */
  secrets: Secret[];
  allowAdvancedTier: boolean;
  imageVersion?: string;
  onEvent(event: DeployEvent): void;
}

/**
 * Everything a deploy would do, computed without changing anything. Every cloud pushes the project the same way, so
 * that part is shared: the CLI asks before pushing changed secrets. The rest is the provider's own.
 */
export interface DeploymentPlan {
  readonly project: ProjectSyncPlan;
}

/** What `cloud deploy` did: whether anything changed, the image the task runs, and the report the CLI prints. */
export interface DeployOutcome {
  changed: boolean;
  image: string;
  report: Record<string, unknown>;
}

export interface ExportRequest {
  project: Project;
  format: string;
  outDir: string;
  imageVersion?: string;
  onNotice(message: string): void;
}

export interface ExportOutcome {
  format: string;
  dir: string;
  files: string[];
  image: string;
}

/** A plan as `cloud plan` prints it (no secret values): how many things would change, and what. */
export type PlanDescription = { changes: number } & Record<string, unknown>;

/**
 * The deploy side of a cloud provider. Each method checks every value it can before its first call to the cloud, so
 * bad input fails with nothing changed; `apply` of an unchanged plan changes nothing (deploys are idempotent).
 */
export interface Deployment {
  /** `cloud <kind> create|update|delete|status` for the kinds the provider's registry entry lists; the result is printed. */
  manage(kind: string, action: ManageAction, request: ManageRequest): Promise<Record<string, unknown>>;
  plan(request: DeployRequest): Promise<DeploymentPlan>;
  describePlan(plan: DeploymentPlan): Promise<PlanDescription>;
  /** Applies a plan made by `plan` of this deployment, in dependency order. */
  apply(plan: DeploymentPlan): Promise<DeployOutcome>;
  /** Writes the infrastructure as files in one of the entry's export formats; changes nothing in the cloud. */
  export(request: ExportRequest): Promise<ExportOutcome>;
  /** The resource group's other deployed tasks (of this stage): who else reads its resource-group secrets. Only reads. */
  findOtherTasks?(): Promise<OtherTask[]>;
}
