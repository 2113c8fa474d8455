// Cloud Monitoring (v3 REST) in the emulator: alert policies on log-based metrics and on Cloud Run's execution count,
// what their conditions would count, and notification channels.
import crypto from 'node:crypto';
import { fail, paginate, readJson, route, sendJson, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';
import type { EmulatorLogging } from './emulator-logging.js';
import type { EmulatorRun } from './emulator-run.js';

/** Cloud Run's built-in metrics a condition may name (the ones handoff's policies use). */
const RUN_METRICS = new Set(['run.googleapis.com/job/completed_execution_count']);

/** `name="value"` terms of a Monitoring filter, by name. */
function termsOf(filter: string): Map<string, string> {
  return new Map([...filter.matchAll(/([\w.]+)\s*=\s*"([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** `user_labels.key = "value"`, the one list filter handoff sends. */
function parseLabelFilter(filter: string | null): ((item: Record<string, unknown>) => boolean) | undefined {
  if (!filter) return undefined;
  const match = /^user_labels\.([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"$/.exec(filter.trim());
  if (!match) throw fail.invalidArgument(`Could not parse filter "${filter}"`);
  return (item) => ((item.userLabels ?? {}) as Record<string, string>)[match[1]!] === match[2];
}

export class EmulatorMonitoring {
  readonly alertPolicies = new Map<string, Record<string, unknown>>();
  readonly channels = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly iam: EmulatorIam,
    private readonly logging: EmulatorLogging,
    private readonly run: EmulatorRun,
  ) {}

  /**
   * What a condition's filter would count so far: the lines a log-based metric counts, or, for Cloud Run's
   * completed_execution_count, the job's completed executions with the `result` the filter names (succeeded, failed,
   * cancelled), as Cloud Run reports each execution once it completes.
   */
  countCondition(filter: string): number {
    const terms = termsOf(filter);
    const type = terms.get('metric.type') ?? '';
    const user = /^logging\.googleapis\.com\/user\/(.+)$/.exec(type)?.[1];
    if (user) return this.logging.countMetric(user);
    if (type !== 'run.googleapis.com/job/completed_execution_count') throw new Error(`the emulator cannot count ${type}`);
    let count = 0;
    for (const execution of this.run.executions.values()) {
      const json = execution.json as Record<string, unknown>;
      if (!json.completionTime || json.job !== terms.get('resource.labels.job_name')) continue;
      if (terms.has('resource.labels.location') && String(json.name).split('/')[3] !== terms.get('resource.labels.location')) continue;
      const result = Number(json.cancelledCount) > 0 ? 'cancelled' : Number(json.failedCount) > 0 ? 'failed' : 'succeeded';
      if (!terms.has('metric.labels.result') || terms.get('metric.labels.result') === result) count += 1;
    }
    return count;
  }

  /** Monitoring refuses a condition on a metric that does not exist (a log-based metric must be made first). */
  private checkPolicy(project: string, body: Record<string, unknown>): void {
    for (const condition of (body.conditions ?? []) as { conditionThreshold?: { filter?: string } }[]) {
      const type = /metric\.type="([^"]+)"/.exec(condition.conditionThreshold?.filter ?? '')?.[1] ?? '';
      const user = /^logging\.googleapis\.com\/user\/(.+)$/.exec(type)?.[1];
      if (user ? !this.logging.metrics.has(user) : !RUN_METRICS.has(type)) throw fail.notFound(`Cannot find metric(s) that match type = "${type}".`);
    }
    for (const channel of (body.notificationChannels ?? []) as string[]) {
      if (!this.channels.has(channel)) throw fail.notFound(`Notification channel ${channel} does not exist in projects/${project}.`);
    }
  }

  routes(): Route[] {
    const make = (store: Map<string, Record<string, unknown>>, kind: string): Route[] => [
      route('POST', new RegExp(`^/v3/projects/([^/]+)/${kind}$`), (req, res, [p]) => {
        this.iam.requireOwner(req.principal, `create ${kind}`);
        const body = readJson<Record<string, unknown>>(req);
        if (kind === 'alertPolicies') this.checkPolicy(p!, body);
        const name = `projects/${p}/${kind}/${crypto.randomBytes(8).toString('hex')}`;
        const saved = { ...body, name };
        store.set(name, saved);
        sendJson(res, 200, saved);
      }),
      route('GET', new RegExp(`^/v3/projects/([^/]+)/${kind}$`), (req, res, [p]) => {
        this.iam.requireOwner(req.principal, `list ${kind}`);
        const matches = parseLabelFilter(req.query.get('filter'));
        const items = [...store.values()].filter((item) => String(item.name).startsWith(`projects/${p}/`) && (!matches || matches(item)));
        const { page, nextPageToken } = paginate(items, req.query.get('pageSize'), req.query.get('pageToken'), 100);
        sendJson(res, 200, { [kind]: page, totalSize: items.length, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('GET', new RegExp(`^/v3/(projects/[^/]+/${kind}/[^/]+)$`), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, `read ${kind}`);
        const found = store.get(name!);
        if (!found) throw fail.notFound(`${name} does not exist.`);
        sendJson(res, 200, found);
      }),
      route('PATCH', new RegExp(`^/v3/(projects/[^/]+/${kind}/[^/]+)$`), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, `update ${kind}`);
        if (!store.has(name!)) throw fail.notFound(`${name} does not exist.`);
        const body = readJson<Record<string, unknown>>(req);
        if (kind === 'alertPolicies') this.checkPolicy(name!.split('/')[1]!, body);
        // Without an update mask the whole resource is replaced (what handoff sends).
        const saved = { ...body, name };
        store.set(name!, saved);
        sendJson(res, 200, saved);
      }),
      route('DELETE', new RegExp(`^/v3/(projects/[^/]+/${kind}/[^/]+)$`), (req, res, [name]) => {
        this.iam.requireOwner(req.principal, `delete ${kind}`);
        if (!store.delete(name!)) throw fail.notFound(`${name} does not exist.`);
        if (kind === 'notificationChannels') {
          for (const policy of this.alertPolicies.values()) policy.notificationChannels = ((policy.notificationChannels ?? []) as string[]).filter((c) => c !== name);
        }
        sendJson(res, 200, {});
      }),
    ];
    return [...make(this.alertPolicies, 'alertPolicies'), ...make(this.channels, 'notificationChannels')];
  }
}
