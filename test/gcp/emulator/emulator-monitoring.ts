// Cloud Monitoring (v3 REST) in the emulator: alert policies on log-based metrics, and notification channels.
import crypto from 'node:crypto';
import { fail, paginate, readJson, route, sendJson, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';
import type { EmulatorLogging } from './emulator-logging.js';

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
  ) {}

  /** Monitoring refuses a condition on a metric that does not exist (a log-based metric must be made first). */
  private checkPolicy(project: string, body: Record<string, unknown>): void {
    for (const condition of (body.conditions ?? []) as { conditionThreshold?: { filter?: string } }[]) {
      const type = /metric\.type="logging\.googleapis\.com\/user\/([^"]+)"/.exec(condition.conditionThreshold?.filter ?? '')?.[1];
      if (type && !this.logging.metrics.has(type)) throw fail.notFound(`Cannot find metric(s) that match type = "logging.googleapis.com/user/${type}".`);
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
