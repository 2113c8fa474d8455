// Thin CloudFormation wrappers: stacks, change sets, the deployed template, and waiting with progress events; failures name the resource.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  ListImportsCommand,
  paginateDescribeStacks,
  type Change,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { UserError } from '../../../errors.js';
import { toClientInput, type AwsClientConfig } from './aws-client-config.js';
import { callAws, readAwsErrorCode, toAwsError } from './aws-errors.js';
import { isoTime } from '../../../iso-time.js';

export interface StackSummary {
  name: string;
  id: string;
  status: string;
  statusReason?: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
}

/** One line of progress: a resource of the stack changed status. */
export interface StackProgressEvent {
  time: Date;
  logicalId: string;
  resourceType: string;
  status: string;
  reason?: string;
}

export type StackCapability = 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND';

export interface StackRequest {
  name: string;
  /** The template as JSON text (from src/providers/aws/stacks, stringified once so every call sends the same bytes). */
  templateBody: string;
  capabilities?: StackCapability[];
  tags?: Record<string, string>;
  /** The bucket the stack makes, if any, named in errors such as a bucket name taken by another account. */
  bucket?: string;
}

/** One resource a change set would add, modify or remove. */
export interface ResourceChange {
  action: string;
  logicalId: string;
  resourceType: string;
  /** `True`, `False` or `Conditional`: whether CloudFormation replaces the resource (a new physical resource). */
  replacement?: string;
  /** The properties that change, e.g. `Properties.ContainerDefinitions`. */
  details: string[];
}

/** A created change set once CloudFormation has computed it. `empty`: the template and tags change nothing. */
export type ChangeSetResult = { kind: 'ready'; id: string; stackId: string; changes: ResourceChange[] } | { kind: 'empty'; id: string; stackId: string };

export interface WaitOptions {
  onEvent?: (event: StackProgressEvent) => void;
  /** Polling interval while waiting; CloudFormation's own waiters poll every few seconds. */
  pollMs?: number;
}

export interface CloudFormationApi {
  describeStack(name: string): Promise<StackSummary | undefined>;
  /** The template the stack was last deployed with (TemplateStage Original), or undefined when there is no stack. */
  getTemplate(name: string): Promise<string | undefined>;
  /** Starts a stack's creation (CreateStack) and returns its id; wait with `waitForStack`. */
  createStack(request: StackRequest): Promise<string>;
  /** An UPDATE change set for an existing stack, waited on until CloudFormation has computed it. */
  createChangeSet(request: StackRequest): Promise<ChangeSetResult>;
  executeChangeSet(id: string, stackName: string): Promise<void>;
  deleteChangeSet(id: string, stackName: string): Promise<void>;
  /** Polls until the stack reaches a final status, reporting each new event; throws a UserError naming the failing resource. */
  waitForStack(stackId: string, name: string, since: Date, options?: WaitOptions): Promise<StackSummary | undefined>;
  /** Deletes the stack (resources with DeletionPolicy Retain stay) and waits; false when there was no stack. */
  deleteStack(name: string, options?: WaitOptions): Promise<boolean>;
  /** Names of the stacks that import an export (ListImports); `unsupported` where the endpoint lacks the call (moto). */
  listImports(exportName: string): Promise<string[] | 'unsupported'>;
  /** Every stack that is not deleted, with its status, across all pages. */
  listStacks(): Promise<{ name: string; id: string; status: string }[]>;
  destroy(): void;
}

const DEFAULT_POLL_MS = 5000;
const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'DELETE_COMPLETE', 'IMPORT_COMPLETE']);
// CloudFormation's reasons for a change set that changes nothing (create and update forms).
const NO_CHANGES = /didn't contain changes|no updates are to be performed/i;

export function isTerminalStackStatus(status: string): boolean {
  return status.endsWith('_COMPLETE') || status.endsWith('_FAILED');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Change set names: 1-128 characters, `[a-zA-Z][-a-zA-Z0-9]*` (CreateChangeSet API, ChangeSetName). */
function createChangeSetName(now = new Date()): string {
  return `handoff-${isoTime(now).replace(/[^0-9]/g, '').slice(0, 17)}-${Math.random().toString(36).slice(2, 8)}`;
}

function toResourceChange(change: Change): ResourceChange | undefined {
  const r = change.ResourceChange;
  if (!r) return undefined;
  const details = (r.Details ?? [])
    .map((d) => [d.Target?.Attribute, d.Target?.Name].filter(Boolean).join('.'))
    .filter((d, i, all) => d !== '' && all.indexOf(d) === i);
  return {
    action: r.Action ?? 'Unknown',
    logicalId: r.LogicalResourceId ?? '',
    resourceType: r.ResourceType ?? '',
    ...(r.Replacement ? { replacement: r.Replacement } : {}),
    details,
  };
}

const REFUSALS = new Set(['ValidationError', 'InsufficientCapabilitiesException', 'AlreadyExistsException']);

/**
 * CloudFormation checks a template against the account when a stack or change set is created: a missing export, a
 * name already taken, a missing capability. Those are problems to fix, not bugs; the message says what and how.
 */
function toRequestError(error: unknown, stack: string, bucket?: string): Error {
  const mapped = toAwsError(error, { action: `create or change the CloudFormation stack ${stack}`, bucket });
  if (mapped instanceof UserError || !REFUSALS.has(readAwsErrorCode(error) ?? '')) return mapped;
  const message = (error as Error).message;
  const missingExport = /No export named (\S+)/i.exec(message);
  const fix = missingExport
    ? `deploy what exports ${missingExport[1]!.replace(/\.$/, '')} first: handoff cloud resources create (or handoff cloud deploy)`
    : 'fix the cause above (see also `handoff cloud plan`) and run the command again';
  return new UserError(`CloudFormation refused the stack ${stack}: ${message}`, { fix, cause: error });
}

export function createCloudFormationApi(config: AwsClientConfig): CloudFormationApi {
  const client = new CloudFormationClient(toClientInput(config));
  const toTags = (tags: Record<string, string> | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));

  async function describeStack(name: string): Promise<StackSummary | undefined> {
    try {
      const out = await client.send(new DescribeStacksCommand({ StackName: name }));
      const stack = out.Stacks?.[0];
      if (!stack) return undefined;
      const outputs: Record<string, string> = {};
      for (const o of stack.Outputs ?? []) if (o.OutputKey) outputs[o.OutputKey] = o.OutputValue ?? '';
      const tags: Record<string, string> = {};
      for (const t of stack.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      return { name: stack.StackName ?? name, id: stack.StackId ?? '', status: stack.StackStatus ?? 'UNKNOWN', statusReason: stack.StackStatusReason, outputs, tags };
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

  async function waitForStack(stackId: string, name: string, since: Date, options: WaitOptions = {}): Promise<StackSummary | undefined> {
    const seen = new Set<string>();
    const failures: StackProgressEvent[] = [];
    for (;;) {
      const stack = await describeStack(stackId);
      const events = (await readEvents(stackId).catch(() => [] as StackEvent[])).filter((e) => !e.Timestamp || e.Timestamp >= since).reverse();
      for (const e of events) {
        const id = e.EventId ?? `${e.LogicalResourceId}-${e.ResourceStatus}-${e.Timestamp ? isoTime(e.Timestamp) : undefined}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const event: StackProgressEvent = {
          time: e.Timestamp ?? new Date(),
          logicalId: e.LogicalResourceId ?? '',
          resourceType: e.ResourceType ?? '',
          status: e.ResourceStatus ?? '',
          reason: e.ResourceStatusReason,
        };
        // "Resource creation cancelled" follows the first real failure; the first one is the cause worth showing.
        if (event.status.endsWith('_FAILED') && event.resourceType !== 'AWS::CloudFormation::Stack') failures.push(event);
        options.onEvent?.(event);
      }
      if (!stack) return undefined;
      if (isTerminalStackStatus(stack.status)) {
        if (SUCCESS.has(stack.status)) return stack;
        const first = failures.find((f) => !/cancel/i.test(f.reason ?? '')) ?? failures[0];
        const cause = first ? `${first.logicalId} (${first.resourceType}) ${first.status}: ${first.reason ?? 'no reason given'}` : (stack.statusReason ?? 'no reason given');
        throw new UserError(`CloudFormation stack ${name} ended in ${stack.status}: ${cause}`, {
          fix:
            stack.status === 'ROLLBACK_COMPLETE'
              ? 'fix the cause above, delete the stack (it cannot be updated after a failed create) and run the command again'
              : 'fix the cause above and run the command again',
        });
      }
      await sleep(options.pollMs ?? DEFAULT_POLL_MS);
    }
  }

  async function deleteChangeSet(id: string, stackName: string): Promise<void> {
    await callAws({ action: `delete the change set ${id} of stack ${stackName}` }, () => client.send(new DeleteChangeSetCommand({ ChangeSetName: id, StackName: stackName })));
  }

  return {
    describeStack,
    async getTemplate(name) {
      try {
        const out = await client.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }));
        return out.TemplateBody;
      } catch (error) {
        if (readAwsErrorCode(error) === 'ValidationError' && /does not exist/i.test((error as Error).message)) return undefined;
        throw toAwsError(error, { action: `read the template of the CloudFormation stack ${name}` });
      }
    },
    async createStack(request) {
      try {
        const out = await client.send(new CreateStackCommand({ StackName: request.name, TemplateBody: request.templateBody, Capabilities: request.capabilities, Tags: toTags(request.tags) }));
        return out.StackId ?? request.name;
      } catch (error) {
        throw toRequestError(error, request.name, request.bucket);
      }
    },
    async createChangeSet(request) {
      let created;
      try {
        created = await client.send(
          new CreateChangeSetCommand({
            StackName: request.name,
            ChangeSetName: createChangeSetName(),
            ChangeSetType: 'UPDATE',
            TemplateBody: request.templateBody,
            Capabilities: request.capabilities,
            Tags: toTags(request.tags),
          }),
        );
      } catch (error) {
        throw toRequestError(error, request.name, request.bucket);
      }
      const id = created.Id ?? '';
      const stackId = created.StackId ?? request.name;
      for (let attempt = 0; ; attempt++) {
        const changes: ResourceChange[] = [];
        let status = '';
        let reason: string | undefined;
        let token: string | undefined;
        do {
          const page = await callAws({ action: `describe the change set of stack ${request.name}` }, () =>
            client.send(new DescribeChangeSetCommand({ ChangeSetName: id, StackName: request.name, NextToken: token })),
          );
          status = page.Status ?? '';
          reason = page.StatusReason;
          for (const c of page.Changes ?? []) {
            const change = toResourceChange(c);
            if (change) changes.push(change);
          }
          token = page.NextToken;
        } while (token);
        if (status === 'CREATE_COMPLETE') return { kind: 'ready', id, stackId, changes };
        if (status === 'FAILED') {
          if (NO_CHANGES.test(reason ?? '')) return { kind: 'empty', id, stackId };
          await deleteChangeSet(id, request.name).catch(() => undefined);
          throw new UserError(`CloudFormation could not compute the changes to stack ${request.name}: ${reason ?? 'no reason given'}`, {
            fix: 'fix the cause above and run the command again',
          });
        }
        // CREATE_PENDING / CREATE_IN_PROGRESS: computing usually takes a few seconds.
        await sleep(Math.min(DEFAULT_POLL_MS, 250 * 2 ** Math.min(attempt, 4)));
      }
    },
    async executeChangeSet(id, stackName) {
      await callAws({ action: `execute the change set of stack ${stackName}` }, () => client.send(new ExecuteChangeSetCommand({ ChangeSetName: id, StackName: stackName })));
    },
    deleteChangeSet,
    waitForStack,
    async deleteStack(name, options = {}) {
      const existing = await describeStack(name);
      if (!existing || existing.status === 'DELETE_COMPLETE') return false;
      const since = new Date(Date.now() - 1000);
      try {
        await client.send(new DeleteStackCommand({ StackName: existing.id || name }));
      } catch (error) {
        const mapped = toAwsError(error, { action: `delete the CloudFormation stack ${name}` });
        if (mapped instanceof UserError) throw mapped;
        // A resource that something else still uses (an export imported elsewhere, a VPC with network interfaces).
        throw new UserError(`CloudFormation could not delete the stack ${name}: ${(error as Error).message}`, {
          fix: 'remove what still uses it (named above), then run the delete again',
          cause: error,
        });
      }
      await waitForStack(existing.id || name, name, since, options);
      return true;
    },
    async listImports(exportName) {
      const importers: string[] = [];
      let token: string | undefined;
      try {
        do {
          const out = await client.send(new ListImportsCommand({ ExportName: exportName, NextToken: token }));
          importers.push(...(out.Imports ?? []));
          token = out.NextToken;
        } while (token);
        return importers;
      } catch (error) {
        // "Export … is not imported by any stack" is ListImports' way of saying none.
        if (readAwsErrorCode(error) === 'ValidationError' && /not imported/i.test((error as Error).message)) return [];
        // An emulator without the call answers with a server error (moto: HTTP 500) or an unknown-operation code.
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 500 || status === 501 || /not ?implemented|unknown ?operation|invalidaction/i.test(readAwsErrorCode(error) ?? '')) return 'unsupported';
        throw toAwsError(error, { action: `list the stacks that import ${exportName} (cloudformation:ListImports)` });
      }
    },
    async listStacks() {
      const stacks: { name: string; id: string; status: string }[] = [];
      try {
        for await (const page of paginateDescribeStacks({ client }, {})) {
          for (const s of page.Stacks ?? []) {
            if (s.StackStatus !== 'DELETE_COMPLETE') stacks.push({ name: s.StackName ?? '', id: s.StackId ?? '', status: s.StackStatus ?? 'UNKNOWN' });
          }
        }
      } catch (error) {
        throw toAwsError(error, { action: 'list the CloudFormation stacks (cloudformation:DescribeStacks)' });
      }
      return stacks;
    },
    destroy() {
      client.destroy();
    },
  };
}
