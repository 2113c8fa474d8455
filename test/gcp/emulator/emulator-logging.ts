// Cloud Logging (v2 REST) in the emulator: entries written by executions, entries:list with the query language's
// comparisons handoff uses, and log-based metrics.
import { fail, paginate, readJson, route, sendJson, timestamp, type Route } from './emulator-http.js';
import type { EmulatorIam } from './emulator-iam.js';

export interface LogEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  timestamp: string;
  receiveTimestamp: string;
  insertId: string;
  severity: string;
  labels: Record<string, string>;
  textPayload: string;
}

/** A value of an entry by field path: `resource.labels.job_name`, `labels."run.googleapis.com/execution_name"`, `textPayload`. */
function valueAt(entry: LogEntry, field: string): string | undefined {
  const quoted = /^labels\."(.+)"$/.exec(field);
  if (quoted) return entry.labels[quoted[1]!];
  let at: unknown = entry;
  for (const part of field.split('.')) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
  return at === undefined ? undefined : String(at);
}

const unquote = (text: string): string => JSON.parse(text) as string;

/**
 * Whether an entry matches a Logging query made of terms joined by AND, each optionally NOT: `field="v"` (equals),
 * `field:"v"` (has: contains, for text), `timestamp>="…"`/`<="…"`, or a bare "text" (anywhere in the line). A term
 * the emulator does not know is an error, as the API refuses a query it cannot parse.
 */
export function matchesFilter(entry: LogEntry, filter: string): boolean {
  const terms = filter.trim() === '' ? [] : filter.split(/\s+AND\s+/);
  return terms.every((raw) => {
    const negated = /^NOT\s+/.test(raw);
    const term = raw.replace(/^NOT\s+/, '').trim();
    const match = /^([A-Za-z_][\w.]*(?:\."[^"]+")?)\s*(=|:|>=|<=)\s*("(?:[^"\\]|\\.)*")$/.exec(term);
    let result: boolean;
    if (match) {
      const [, field, op, literal] = match;
      const value = unquote(literal!);
      const actual = valueAt(entry, field!);
      if (op === '=') result = actual === value;
      else if (op === ':') result = actual !== undefined && actual.includes(value);
      else if (op === '>=') result = actual !== undefined && Date.parse(actual) >= Date.parse(value);
      else result = actual !== undefined && Date.parse(actual) <= Date.parse(value);
    } else if (/^"(?:[^"\\]|\\.)*"$/.test(term)) {
      result = entry.textPayload.includes(unquote(term));
    } else {
      throw fail.invalidArgument(`Unparseable filter: syntax error at "${term}"`);
    }
    return negated ? !result : result;
  });
}

export class EmulatorLogging {
  readonly entries: LogEntry[] = [];
  readonly metrics = new Map<string, Record<string, unknown>>();
  private sequence = 0;

  constructor(private readonly iam: EmulatorIam) {}

  /** What a job's container writes on stdout or stderr, one entry per line, as Cloud Run sends it to Cloud Logging. */
  write(project: string, stream: 'stdout' | 'stderr', resource: LogEntry['resource'], labels: Record<string, string>, text: string): void {
    const now = Date.now();
    this.entries.push({
      logName: `projects/${project}/logs/run.googleapis.com%2F${stream}`,
      resource,
      timestamp: timestamp(now),
      receiveTimestamp: timestamp(now),
      insertId: `${now.toString(36)}${(this.sequence++).toString(36).padStart(6, '0')}`,
      severity: stream === 'stderr' ? 'ERROR' : 'INFO',
      labels,
      textPayload: text,
    });
  }

  /** How many entries a log-based metric's filter counts: what its time series would show. */
  countMetric(name: string): number {
    const metric = this.metrics.get(name);
    if (!metric) throw new Error(`no log-based metric ${name}`);
    return this.entries.filter((e) => matchesFilter(e, String(metric.filter))).length;
  }

  routes(): Route[] {
    const metricPath = /^\/v2\/projects\/([^/]+)\/metrics\/([^/]+)$/;
    const requireMetric = (project: string, id: string): Record<string, unknown> => {
      const metric = this.metrics.get(decodeURIComponent(id));
      if (!metric) throw fail.notFound(`Metric ${decodeURIComponent(id)} does not exist.`);
      return metric;
    };
    const checkMetric = (body: Record<string, unknown>): void => {
      // Names: letters, digits and _-.,+!*',()%/ (LogMetric.name); the filter must parse.
      if (!/^[A-Za-z0-9_.,+!*'()%-][A-Za-z0-9_.,+!*'()%/-]{0,99}$/.test(String(body.name ?? ''))) throw fail.invalidArgument(`Invalid metric name: ${String(body.name)}`);
      matchesFilter({ logName: '', resource: { type: '', labels: {} }, timestamp: timestamp(), receiveTimestamp: timestamp(), insertId: '', severity: '', labels: {}, textPayload: '' }, String(body.filter ?? ''));
    };
    return [
      route('POST', /^\/v2\/entries:list$/, (req, res) => {
        this.iam.requireOwner(req.principal, 'read logs');
        const body = readJson<{ filter?: string; orderBy?: string; pageSize?: number; pageToken?: string; resourceNames?: string[] }>(req);
        const projects = (body.resourceNames ?? []).map((r) => /^projects\/([^/]+)$/.exec(r)?.[1]);
        const found = this.entries.filter((e) => projects.some((p) => e.logName.startsWith(`projects/${p}/`)) && matchesFilter(e, body.filter ?? ''));
        if (body.orderBy === 'timestamp desc') found.reverse();
        const { page, nextPageToken } = paginate(found, body.pageSize, body.pageToken, 50);
        sendJson(res, 200, { entries: page, ...(nextPageToken ? { nextPageToken } : {}) });
      }),
      route('POST', /^\/v2\/projects\/([^/]+)\/metrics$/, (req, res) => {
        this.iam.requireOwner(req.principal, 'create metrics');
        const body = readJson<Record<string, unknown>>(req);
        checkMetric(body);
        if (this.metrics.has(String(body.name))) throw fail.alreadyExists(`Metric ${String(body.name)} already exists.`);
        const metric = { ...body, createTime: timestamp(), updateTime: timestamp() };
        this.metrics.set(String(body.name), metric);
        sendJson(res, 200, metric);
      }),
      route('GET', metricPath, (req, res, [p, id]) => {
        this.iam.requireOwner(req.principal, 'read metrics');
        sendJson(res, 200, requireMetric(p!, id!));
      }),
      route('PUT', metricPath, (req, res, [p, id]) => {
        this.iam.requireOwner(req.principal, 'update metrics');
        const before = requireMetric(p!, id!);
        const body = readJson<Record<string, unknown>>(req);
        checkMetric(body);
        const metric = { ...body, createTime: before.createTime, updateTime: timestamp() };
        this.metrics.set(decodeURIComponent(id!), metric);
        sendJson(res, 200, metric);
      }),
      route('DELETE', metricPath, (req, res, [p, id]) => {
        this.iam.requireOwner(req.principal, 'delete metrics');
        requireMetric(p!, id!);
        this.metrics.delete(decodeURIComponent(id!));
        sendJson(res, 200, {});
      }),
    ];
  }
}
