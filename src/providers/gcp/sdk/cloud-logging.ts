// Cloud Logging through @google-cloud/logging-api: the job's log entries (cloud logs) and its log-based metrics.
import type { GoogleAuth } from 'google-auth-library';
import { LoggingServiceV2Client, MetricsServiceV2Client, type protos } from '@google-cloud/logging-api';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isNotFound } from './gcp-errors.js';

export type LogMetric = protos.google.logging.v2.ILogMetric;

export interface LogEntry {
  insertId: string;
  /** Milliseconds since the epoch. */
  time: number;
  labels: Record<string, string>;
  text: string;
}

export interface CloudLoggingApi {
  /** Entries matching `filter` (Logging query language), oldest first, every page: a cut would hide the newest lines. */
  listEntries(filter: string): Promise<LogEntry[]>;
  getMetric(name: string): Promise<LogMetric | undefined>;
  createMetric(metric: LogMetric): Promise<void>;
  updateMetric(metric: LogMetric): Promise<void>;
  deleteMetric(name: string): Promise<boolean>;
  close(): Promise<void>;
}

// The most entries:list returns in one page (ListLogEntriesRequest.page_size).
const LOG_PAGE_SIZE = 1000;

function toMillis(timestamp: protos.google.protobuf.ITimestamp | null | undefined): number {
  if (!timestamp) return 0;
  return Number(timestamp.seconds ?? 0) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1e6);
}

export function createCloudLoggingApi(config: GcpClientConfig, auth: GoogleAuth): CloudLoggingApi {
  const options = toGaxOptions(config, auth);
  const logging = new LoggingServiceV2Client(options);
  const metrics = new MetricsServiceV2Client(options);
  const project = `projects/${config.project}`;
  const metricName = (name: string): string => `${project}/metrics/${name}`;

  return {
    listEntries: (filter) =>
      callGcp('read the job\'s logs from Cloud Logging', async () => {
        const out: LogEntry[] = [];
        let pageToken: string | undefined;
        do {
          const [entries, , response] = await logging.listLogEntries(
            { resourceNames: [project], filter, orderBy: 'timestamp asc', pageSize: LOG_PAGE_SIZE, ...(pageToken ? { pageToken } : {}) },
            { autoPaginate: false },
          );
          for (const e of entries) {
            const text = e.textPayload ?? (e.jsonPayload ? JSON.stringify(e.jsonPayload) : '');
            out.push({ insertId: e.insertId ?? '', time: toMillis(e.timestamp), labels: (e.labels ?? {}) as Record<string, string>, text });
          }
          pageToken = response?.nextPageToken || undefined;
        } while (pageToken);
        return out;
      }),
    getMetric: (name) =>
      callGcp(`read the log-based metric ${name}`, async () => {
        try {
          return (await metrics.getLogMetric({ metricName: metricName(name) }))[0];
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    createMetric: (metric) => callGcp(`create the log-based metric ${metric.name}`, async () => void (await metrics.createLogMetric({ parent: project, metric }))),
    updateMetric: (metric) => callGcp(`update the log-based metric ${metric.name}`, async () => void (await metrics.updateLogMetric({ metricName: metricName(metric.name!), metric }))),
    deleteMetric: (name) =>
      callGcp(`delete the log-based metric ${name}`, async () => {
        try {
          await metrics.deleteLogMetric({ metricName: metricName(name) });
          return true;
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      }),
    async close() {
      await Promise.all([logging.close(), metrics.close()]);
    },
  };
}
