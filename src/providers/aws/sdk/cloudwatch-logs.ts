// Thin CloudWatch Logs wrappers: reading events across every page, and the log group a deleted task leaves behind.
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { UserError } from '../../../errors.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { readAwsErrorCode, toAwsError } from './aws-errors.js';

export interface CloudLogEvent {
  /** Unique within the log group; FilterLogEvents sets it, GetLogEvents does not (then it is built from stream, time and index). */
  id: string;
  timestamp: number;
  message: string;
  stream: string;
}

export interface FilterLogsInput {
  logGroup: string;
  /** Only streams whose names start with this (e.g. `handoff/<container>/<task id>` for one run). */
  streamPrefix?: string;
  /** Milliseconds since the epoch, inclusive. */
  startTime?: number;
  endTime?: number;
  /** CloudWatch filter pattern syntax (`"Job started"`, `ERROR -DEBUG`, …). */
  filterPattern?: string;
  /** Stop after this many events (the rest is read by the next call from the last timestamp). */
  limit?: number;
}

export interface CloudWatchLogsApi {
  /**
   * Matching events of every stream in time order, across all pages up to `limit`; `more` when it stopped there with
   * more events left (read them from the last event's timestamp on).
   */
  filterLogEvents(input: FilterLogsInput): Promise<{ events: CloudLogEvent[]; more: boolean }>;
  /** Every event of one stream from `startTime` on, oldest first, across all pages. */
  getLogEvents(input: { logGroup: string; stream: string; startTime?: number }): Promise<CloudLogEvent[]>;
  /** The group's retention and ARN, or undefined when there is no group of exactly that name. */
  describeLogGroup(name: string): Promise<{ arn: string; retentionDays?: number } | undefined>;
  /** Sets retention and tags of a group that lives outside any stack (kept from a deleted task stack). */
  updateLogGroup(name: string, input: { retentionDays: number; tags: Record<string, string> }): Promise<void>;
  /** False when there was no such group. */
  deleteLogGroup(name: string): Promise<boolean>;
  destroy(): void;
}

const DEFAULT_LIMIT = 10_000;

function createMissingGroupError(logGroup: string, error: unknown): UserError {
  return new UserError(`the log group ${logGroup} does not exist`, {
    fix: 'deploy the task first (handoff cloud task create, or handoff cloud deploy); its stack creates the log group',
    cause: error,
  });
}

export function createCloudWatchLogsApi(config: AwsClientConfig): CloudWatchLogsApi {
  const client = new CloudWatchLogsClient(toClientInput(config));
  async function describeLogGroup(name: string): Promise<{ arn: string; retentionDays?: number } | undefined> {
    try {
      const out = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
      const group = (out.logGroups ?? []).find((g) => g.logGroupName === name);
      // The ARN as tagging wants it: without the `:*` that DescribeLogGroups appends.
      return group ? { arn: (group.arn ?? '').replace(/:\*$/, ''), ...(group.retentionInDays ? { retentionDays: group.retentionInDays } : {}) } : undefined;
    } catch (error) {
      throw toAwsError(error, { action: `look up the log group ${name} (logs:DescribeLogGroups)` });
    }
  }
  return {
    async filterLogEvents(input) {
      const limit = input.limit ?? DEFAULT_LIMIT;
      const events: CloudLogEvent[] = [];
      let token: string | undefined;
      let more = false;
      try {
        do {
          const out = await client.send(
            new FilterLogEventsCommand({
              logGroupName: input.logGroup,
              ...(input.streamPrefix ? { logStreamNamePrefix: input.streamPrefix } : {}),
              ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
              ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
              ...(input.filterPattern ? { filterPattern: input.filterPattern } : {}),
              nextToken: token,
            }),
          );
          for (const e of out.events ?? []) {
            events.push({
              id: e.eventId ?? `${e.logStreamName}/${e.timestamp}/${events.length}`,
              timestamp: e.timestamp ?? 0,
              message: e.message ?? '',
              stream: e.logStreamName ?? '',
            });
          }
          // A token that does not move on means the last page (some emulators repeat it).
          const next = out.nextToken && out.nextToken !== token ? out.nextToken : undefined;
          if (next && events.length >= limit) more = true;
          token = events.length < limit ? next : undefined;
        } while (token);
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') throw createMissingGroupError(input.logGroup, error);
        throw toAwsError(error, { action: `read the log group ${input.logGroup} (logs:FilterLogEvents)` });
      }
      // Pages are ordered per stream; one ordered list is what a reader expects.
      return { events: events.sort((a, b) => a.timestamp - b.timestamp).slice(0, limit), more: more || events.length > limit };
    },
    async getLogEvents(input) {
      const events: CloudLogEvent[] = [];
      let token: string | undefined;
      try {
        for (;;) {
          const out = await client.send(
            new GetLogEventsCommand({
              logGroupName: input.logGroup,
              logStreamName: input.stream,
              startFromHead: true,
              ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
              ...(token ? { nextToken: token } : {}),
            }),
          );
          for (const e of out.events ?? []) {
            events.push({ id: `${input.stream}/${e.timestamp}/${events.length}`, timestamp: e.timestamp ?? 0, message: e.message ?? '', stream: input.stream });
          }
          // GetLogEvents ends when the forward token comes back unchanged (CloudWatch Logs API reference).
          if (!out.nextForwardToken || out.nextForwardToken === token) break;
          token = out.nextForwardToken;
        }
      } catch (error) {
        // A run's stream appears only when its container writes the first line.
        if (readAwsErrorCode(error) === 'ResourceNotFoundException' && /stream/i.test((error as Error).message)) return events;
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') throw createMissingGroupError(input.logGroup, error);
        throw toAwsError(error, { action: `read the log stream ${input.stream} of ${input.logGroup} (logs:GetLogEvents)` });
      }
      return events;
    },
    describeLogGroup,
    async updateLogGroup(name, input) {
      const group = await describeLogGroup(name);
      if (!group) throw createMissingGroupError(name, undefined);
      try {
        if (group.retentionDays !== input.retentionDays) await client.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: input.retentionDays }));
        await client.send(new TagResourceCommand({ resourceArn: group.arn, tags: input.tags }));
      } catch (error) {
        throw toAwsError(error, { action: `set the retention and tags of the log group ${name} (logs:PutRetentionPolicy, logs:TagResource)` });
      }
    },
    async deleteLogGroup(name) {
      try {
        await client.send(new DeleteLogGroupCommand({ logGroupName: name }));
        return true;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ResourceNotFoundException') return false;
        throw toAwsError(error, { action: `delete the log group ${name} (logs:DeleteLogGroup)` });
      }
    },
    destroy() {
      client.destroy();
    },
  };
}
