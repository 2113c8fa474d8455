// Thin EventBridge Scheduler wrappers: schedule groups, schedules (create or update, get, list by group, delete).
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  paginateListSchedules,
} from '@aws-sdk/client-scheduler';
import { UserError } from '../../../errors.js';
import type { ScheduleRequest } from '../stacks/schedule-request.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, toAwsError } from './aws-errors.js';
import { isoTime } from '../../../iso-time.js';

/** A schedule as EventBridge Scheduler returns it, in the shape of the request handoff sends, to compare the two. */
export interface DeployedSchedule {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  /** Scheduler answers UTC when none was set. */
  ScheduleExpressionTimezone?: string;
  Description?: string;
  State: string;
  Target: { Arn: string; RoleArn: string; Input?: string; EcsParameters?: unknown };
  /** ISO times: a rate fires from its start date, or without one from when the schedule was (last) written. */
  StartDate?: string;
  LastModificationDate?: string;
  CreationDate?: string;
}

export interface SchedulerApi {
  /** Creates the group; false when it already existed. */
  ensureScheduleGroup(name: string, tags?: Record<string, string>): Promise<boolean>;
  /** The group's tags; undefined when there is no such group. */
  readScheduleGroupTags(name: string): Promise<Record<string, string> | undefined>;
  /** Deletes the group and every schedule in it; false when there was none. */
  deleteScheduleGroup(name: string): Promise<boolean>;
  /** Names of the schedules in a group, across all pages; empty when the group does not exist. */
  listScheduleNames(group: string): Promise<string[]>;
  getSchedule(group: string, name: string): Promise<DeployedSchedule | undefined>;
  createSchedule(request: ScheduleRequest): Promise<void>;
  updateSchedule(request: ScheduleRequest): Promise<void>;
  /** False when there was no such schedule. */
  deleteSchedule(group: string, name: string): Promise<boolean>;
  destroy(): void;
}

export function createSchedulerApi(config: AwsClientConfig): SchedulerApi {
  const client = new SchedulerClient(toClientInput(config));
  return {
    async ensureScheduleGroup(name, tags) {
      // Looked up first: creating a group that exists must never touch it (moto, for one, replaces it, schedules and all).
      // A group being deleted (deletion is asynchronous) is waited out, then made again.
      for (let attempt = 0; ; attempt++) {
        try {
          const found = await client.send(new GetScheduleGroupCommand({ Name: name }));
          if (found.State !== 'DELETING') return false;
          if (attempt >= 60) throw new UserError(`the schedule group ${name} is still being deleted`, { fix: 'wait a minute and run the command again' });
          await new Promise((r) => setTimeout(r, 1000));
        } catch (error) {
          if (readAwsErrorCode(error) === 'ResourceNotFoundException') break;
          throw toAwsError(error, { action: `look up the schedule group ${name} (scheduler:GetScheduleGroup)` });
        }
      }
      try {
        await client.send(new CreateScheduleGroupCommand({ Name: name, ...(tags ? { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } : {}) }));
        return true;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ConflictException') return false;
        throw toAwsError(error, { action: `create the schedule group ${name} (scheduler:CreateScheduleGroup)` });
      }
    },
    async readScheduleGroupTags(name) {
      let arn: string | undefined;
      try {
        arn = (await client.send(new GetScheduleGroupCommand({ Name: name }))).Arn;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return undefined;
        throw toAwsError(error, { action: `look up the schedule group ${name} (scheduler:GetScheduleGroup)` });
      }
      if (arn === undefined) return {};
      const out = await callAws({ action: `read the tags of the schedule group ${name} (scheduler:ListTagsForResource)` }, () => client.send(new ListTagsForResourceCommand({ ResourceArn: arn })));
      return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    },
    async deleteScheduleGroup(name) {
      try {
        await client.send(new GetScheduleGroupCommand({ Name: name }));
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return false;
        throw toAwsError(error, { action: `look up the schedule group ${name} (scheduler:GetScheduleGroup)` });
      }
      try {
        await client.send(new DeleteScheduleGroupCommand({ Name: name }));
        return true;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return false;
        throw toAwsError(error, { action: `delete the schedule group ${name} (scheduler:DeleteScheduleGroup)` });
      }
    },
    async listScheduleNames(group) {
      try {
        const names: string[] = [];
        for await (const page of paginateListSchedules({ client }, { GroupName: group })) {
          for (const s of page.Schedules ?? []) if (s.Name && (s.GroupName ?? group) === group) names.push(s.Name);
        }
        return names.sort();
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return [];
        throw toAwsError(error, { action: `list the schedules of group ${group} (scheduler:ListSchedules)` });
      }
    },
    async getSchedule(group, name) {
      try {
        const out = await client.send(new GetScheduleCommand({ GroupName: group, Name: name }));
        return {
          Name: out.Name ?? name,
          GroupName: out.GroupName ?? group,
          ScheduleExpression: out.ScheduleExpression ?? '',
          ...(out.ScheduleExpressionTimezone ? { ScheduleExpressionTimezone: out.ScheduleExpressionTimezone } : {}),
          ...(out.Description ? { Description: out.Description } : {}),
          State: out.State ?? 'ENABLED',
          ...(out.StartDate ? { StartDate: isoTime(out.StartDate) } : {}),
          ...(out.LastModificationDate ? { LastModificationDate: isoTime(out.LastModificationDate) } : {}),
          ...(out.CreationDate ? { CreationDate: isoTime(out.CreationDate) } : {}),
          Target: {
            Arn: out.Target?.Arn ?? '',
            RoleArn: out.Target?.RoleArn ?? '',
            ...(out.Target?.Input !== undefined ? { Input: out.Target.Input } : {}),
            ...(out.Target?.EcsParameters !== undefined ? { EcsParameters: out.Target.EcsParameters } : {}),
          },
        };
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return undefined;
        throw toAwsError(error, { action: `read the schedule ${group}/${name} (scheduler:GetSchedule)` });
      }
    },
    async createSchedule(request) {
      await callAws({ action: `create the schedule ${request.GroupName}/${request.Name} (scheduler:CreateSchedule)` }, () => client.send(new CreateScheduleCommand(request)));
    },
    async updateSchedule(request) {
      // UpdateSchedule replaces the whole schedule: every field is sent, unset ones return to their defaults.
      await callAws({ action: `update the schedule ${request.GroupName}/${request.Name} (scheduler:UpdateSchedule)` }, () => client.send(new UpdateScheduleCommand(request)));
    },
    async deleteSchedule(group, name) {
      try {
        await client.send(new DeleteScheduleCommand({ GroupName: group, Name: name }));
        return true;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return false;
        throw toAwsError(error, { action: `delete the schedule ${group}/${name} (scheduler:DeleteSchedule)` });
      }
    },
    destroy() {
      client.destroy();
    },
  };
}
