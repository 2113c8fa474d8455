// Refuses to change what another task's deploy made: Google Cloud names join the resource group and task with `-`, so
// `it-x` + `words` and `it` + `x-words` give the same job, identity and alert policy; their labels tell them apart.
import { UserError } from '../../../errors.js';
import type { GcpProvider } from '../gcp-provider.js';
import { MONITORING_LABEL } from '../resources/monitoring.js';

/** `handoff <rg>/<task>…`: the display names handoff gives, which name the task they were made for. */
const OWNER_IN_DISPLAY_NAME = /^handoff (\S+?)\/(\S+?)(?::| alarms|$)/i;

/**
 * Reads the task's job (its labels), its own service account, alert policies and notification channels (their display
 * names) and throws a UserError (exit 2) when one was made for another resource group or task, before anything is
 * written. Names are read case-blind: a task renamed only in case keeps its resources.
 */
export async function checkOwnership(p: GcpProvider): Promise<void> {
  const { names } = p;
  const ours = `${names.resourceGroup}/${names.task}`.toLowerCase();
  const refuse = (what: string, owner: string): never => {
    throw new UserError(`the ${what} was made for handoff ${owner}, not for ${names.resourceGroup}/${names.task}: Google Cloud names join the resource group and task with "-", so the two collide`, {
      fix: `rename deploy.task or deploy.resource_group of this project so that "${names.resourceGroup}-${names.task}" differs from "${owner.replace('/', '-')}"; nothing was changed`,
    });
  };
  const byDisplayName = (what: string, displayName: string | null | undefined): void => {
    const match = OWNER_IN_DISPLAY_NAME.exec(displayName ?? '');
    if (match && `${match[1]}/${match[2]}`.toLowerCase() !== ours) refuse(what, `${match[1]}/${match[2]}`);
  };

  const job = await (await p.apis.cloudRun()).getJob(names.job);
  const rg = job?.labels?.['handoff-resource-group'];
  const task = job?.labels?.['handoff-task'];
  if (rg !== undefined && task !== undefined && `${rg}/${task}` !== ours) refuse(`Cloud Run job ${names.jobId}`, `${rg}/${task}`);
  if (names.ownsTaskServiceAccount) {
    const account = await (await p.apis.serviceAccounts()).get(names.taskServiceAccount);
    if (account) byDisplayName(`service account ${names.taskServiceAccount}`, account.displayName);
  }
  const monitoring = await p.apis.monitoring();
  for (const policy of await monitoring.findAlertPolicies(MONITORING_LABEL, names.jobId)) byDisplayName(`alert policy "${policy.displayName}"`, policy.displayName);
  for (const channel of await monitoring.findNotificationChannels(MONITORING_LABEL, names.jobId)) byDisplayName(`notification channel "${channel.displayName}"`, channel.displayName);
}
