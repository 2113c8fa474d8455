// The Logic App that fires a schedule in a zone with daylight saving: a recurrence in the zone that starts the schedule's job.
import type { Schedule } from '../../../project/types.js';
import { toCanonicalJson } from '../../deploy/canonical-json.js';
import type { AzureNames } from '../names.js';
import type { ArmResource } from '../sdk/arm.js';
import type { Recurrence } from './schedule-trigger.js';

export const WORKFLOW_TYPE = 'Microsoft.Logic/workflows';
/** Container Apps' REST version of Jobs - Start, the one call the workflow makes (the same the SDK of `cloud run` sends). */
const JOBS_API_VERSION = '2025-07-01';
/** The audience of Resource Manager tokens, whichever address Resource Manager is reached at. */
const ARM_AUDIENCE = 'https://management.azure.com/';
/** The names of the workflow's trigger and action (what the run history and `triggers/<name>/run` call them). */
export const RECURRENCE_TRIGGER = 'Recurrence';
export const START_ACTION = 'Start_job';

/** The workflow's one trigger: the schedule's recurrence in its zone. */
export function createRecurrenceTrigger(recurrence: Recurrence): { type: 'Recurrence'; recurrence: Recurrence } {
  return { type: 'Recurrence', recurrence };
}

/** The workflow's one action: POST Jobs - Start of the job at `jobUrl` (`<Resource Manager><job id>`), as its identity. */
export function createStartJobAction<Url>(jobUrl: Url) {
  return {
    type: 'Http',
    runAfter: {},
    inputs: { method: 'POST', uri: jobUrl, queries: { 'api-version': JOBS_API_VERSION }, authentication: { type: 'ManagedServiceIdentity', audience: ARM_AUDIENCE } },
  };
}

/**
 * The workflow (Logic Apps workflow definition language): one Recurrence trigger, one HTTP action that starts the
 * schedule's job with the workflow's system-assigned identity. The job holds the image, size, envs and identity, so
 * the workflow changes only with the schedule's times.
 */
export function createScheduleWorkflowBody(names: AzureNames, schedule: Schedule, recurrence: Recurrence, location: string, armEndpoint: string): ArmResource {
  return {
    location,
    tags: { ...names.tags, 'handoff-target-id': schedule.target_id },
    identity: { type: 'SystemAssigned' },
    properties: {
      state: 'Enabled',
      definition: {
        $schema: 'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#',
        contentVersion: '1.0.0.0',
        triggers: { [RECURRENCE_TRIGGER]: createRecurrenceTrigger(recurrence) },
        actions: { [START_ACTION]: createStartJobAction(`${armEndpoint}${names.scheduleJobId(schedule.target_id)}/start`) },
        outputs: {},
      },
    },
  };
}

/** Whether a deployed workflow fires as the desired one does (its trigger, action and state). */
export function isSameWorkflow(desired: ArmResource, deployed: ArmResource): boolean {
  const essence = (w: ArmResource) => {
    const definition = (w.properties?.definition ?? {}) as { triggers?: unknown; actions?: unknown };
    return toCanonicalJson({ state: w.properties?.state, triggers: definition.triggers, actions: definition.actions });
  };
  return essence(desired) === essence(deployed);
}
