// Thin CloudFormation wrappers: create or update a stack, wait with progress events, describe, delete; failures name the resource.
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { UserError } from '../../../errors.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, toAwsError } from './aws-errors.js';

export interface StackSummary {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
}

/** One line of progress: a resource of the stack changed status. */
export interface StackProgressEvent {
  time: Date;
  logicalId: string;
  resourceType: string;
  status: string;
  reason?: string;
}

export interface DeployStackInput {
  name: string;
  /** The template as an object (from src/providers/aws/stacks); sent as JSON. */
  template: unknown;
  capabilities?: ('CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND')[];
  tags?: Record<string, string>;
  onEvent?: (event: StackProgressEvent) => void;
  /** Polling interval while waiting; CloudFormation's own waiters poll every few seconds. */
  pollMs?: number;
  /** The bucket the stack makes, if any, named in errors such as a bucket name taken by another account. */
  bucket?: string;
}

export interface DeployStackResult {
  action: 'created' | 'updated' | 'unchanged';
  stack: StackSummary;
}

export interface CloudFormationApi {
  describeStack(name: string): Promise<StackSummary | undefined>;
  /** Creates the stack, or updates it when it exists, and waits until CloudFormation is done. */
  deployStack(input: DeployStackInput): Promise<DeployStackResult>;
  /** Deletes the stack (resources with DeletionPolicy Retain stay) and waits; false when there was no stack. */
  deleteStack(name: string, options?: { onEvent?: (event: StackProgressEvent) => void; pollMs?: number }): Promise<boolean>;
  destroy(): void;
}

const DEFAULT_POLL_MS = 5000;
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'DELETE_COMPLETE', 'IMPORT_COMPLETE']);

function isTerminal(status: string): boolean {
  return status.endsWith('_COMPLETE') || status.endsWith('_FAILED');
}

export function createCloudFormationApi(config: AwsClientConfig): CloudFormationApi {
  const client = new CloudFormationClient(toClientInput(config));

  async function describeStack(name: string): Promise<StackSummary | undefined> {
    try {
      const out = await client.send(new DescribeStacksCommand({ StackName: name }));
      const stack = out.Stacks?.[0];
      if (!stack) return undefined;
      const outputs: Record<string, string> = {};
      for (const o of stack.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? '';
      return { name: stack.StackName ?? name, id: stack.StackId ?? '', status: stack.StackStatus ?? 'UNKNOWN', statusReason: stack.StackStatusReason, outputs };
    } catch (error) {
      // DescribeStacks says "Stack with id X does not exist" as a ValidationError.
      if (readAwsErrorCode(error) === 'ValidationError' && /does not exist/i.test((error as Error).message)) return undefined;
      throw toAwsError(error, { action: `describe the CloudFormation stack ${name}` });
    }
  }

  async function readEvents(stackId: string): Promise<StackEvent[]> {
    const out = await callAws({ action: `read the events of stack ${stackId}` }, () => client.send(new DescribeStackEventsCommand({ StackName: stackId })));
    return out.StackEvents ?? [];
  }

  /** Polls until the stack reaches a final status, reporting each new event oldest first. */
  async function waitForStack(stackId: string, name: string, since: Date, onEvent?: (e: StackProgressEvent) => void, pollMs = DEFAULT_POLL_MS): Promise<StackSummary | undefined> {
    const seen = new Set<string>();
    const failures: StackProgressEvent[] = [];
    for (;;) {
      const stack = await describeStack(stackId);
      const events = (await readEvents(stackId).catch(() => [] as StackEvent[])).filter((e) => !e.Timestamp || e.Timestamp >= since).reverse();
      for (const e of events) {
        const id = e.EventId ?? `${e.LogicalResourceId}-${e.ResourceStatus}-${e.Timestamp?.toISOString()}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const event: StackProgressEvent = {
          time: e.Timestamp ?? new Date(),
          logicalId: e.LogicalResourceId ?? '',
          resourceType: e.ResourceType ?? '',
          status: e.ResourceStatus ?? '',
          reason: e.ResourceStatusReason,
        };
        if (event.status.endsWith('_FAILED') && event.resourceType !== 'AWS::CloudFormation::Stack') failures.push(event);
        onEvent?.(event);
      }
      if (!stack) return undefined;
      if (isTerminal(stack.status)) {
        if (SUCCESS.has(stack.status)) return stack;
        const first = failures[0];
        const cause = first ? `${first.logicalId} (${first.resourceType}) ${first.status}: ${first.reason ?? 'no reason given'}` : (stack.statusReason ?? 'no reason given');
        throw new UserError(`CloudFormation stack ${name} ended in ${stack.status}: ${cause}`, {
          fix: stack.status === 'ROLLBACK_COMPLETE'
            ? 'fix the cause above, delete the stack (it cannot be updated after a failed create) and run the command again'
            : 'fix the cause above and run the command again',
        });
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  return {
    describeStack,
    async deployStack(input) {
      const body = JSON.stringify(input.template);
      const tags = Object.entries(input.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      const existing = await describeStack(input.name);
      // Events are compared against this moment so older events of an existing stack are not replayed.
      const since = new Date(Date.now() - 1000);
      if (existing?.status === 'ROLLBACK_COMPLETE') {
        throw new UserError(`CloudFormation stack ${input.name} is in ROLLBACK_COMPLETE after a failed create and cannot be updated`, {
          fix: 'delete it first (the matching `handoff cloud … delete` command), then create it again',
        });
      }
      if (existing && !isTerminal(existing.status)) {
        throw new UserError(`CloudFormation stack ${input.name} is busy (${existing.status})`, { fix: 'wait until it finishes, then run the command again' });
      }
      if (!existing || existing.status === 'DELETE_COMPLETE') {
        const out = await callAws({ action: `create the CloudFormation stack ${input.name}`, bucket: input.bucket }, () =>
          client.send(new CreateStackCommand({ StackName: input.name, TemplateBody: body, Capabilities: input.capabilities, Tags: tags })),
        );
        const stack = await waitForStack(out.StackId ?? input.name, input.name, since, input.onEvent, input.pollMs);
        if (!stack) throw new Error(`the CloudFormation stack ${input.name} disappeared while it was being created`);
        return { action: 'created', stack };
      }
      try {
        await client.send(new UpdateStackCommand({ StackName: input.name, TemplateBody: body, Capabilities: input.capabilities, Tags: tags }));
      } catch (error) {
        if (readAwsErrorCode(error) === 'ValidationError' && /no updates are to be performed/i.test((error as Error).message)) {
          return { action: 'unchanged', stack: existing };
        }
        throw toAwsError(error, { action: `update the CloudFormation stack ${input.name}`, bucket: input.bucket });
      }
      const stack = await waitForStack(existing.id || input.name, input.name, since, input.onEvent, input.pollMs);
      if (!stack) throw new Error(`the CloudFormation stack ${input.name} disappeared while it was being updated`);
      return { action: 'updated', stack };
    },
    async deleteStack(name, options = {}) {
      const existing = await describeStack(name);
      if (!existing || existing.status === 'DELETE_COMPLETE') return false;
      const since = new Date(Date.now() - 1000);
      await callAws({ action: `delete the CloudFormation stack ${name}` }, () => client.send(new DeleteStackCommand({ StackName: existing.id || name })));
      await waitForStack(existing.id || name, name, since, options.onEvent, options.pollMs);
      return true;
    },
    destroy() {
      client.destroy();
    },
  };
}
