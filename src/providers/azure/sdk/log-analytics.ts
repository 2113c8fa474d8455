// Log Analytics queries through @azure/monitor-query: the rows of one KQL query over a time range.
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query';
import type { AzureClientConfig } from './azure-client-config.js';
import { LOGS_AUDIENCE } from './azure-client-config.js';
import { callAzure } from './azure-errors.js';

export interface LogAnalyticsApi {
  /** Runs `query` against the workspace (its customer id) between two times and returns its rows as objects. */
  query(workspaceId: string, query: string, range: { startTime: Date; endTime: Date }): Promise<Record<string, unknown>[]>;
}

export function createLogAnalyticsApi(config: AzureClientConfig): LogAnalyticsApi {
  const client = new LogsQueryClient(config.credential, { endpoint: config.logsEndpoint, audience: LOGS_AUDIENCE });
  return {
    query: (workspaceId, query, range) =>
      callAzure('query the task\'s logs in Log Analytics', async () => {
        const result = await client.queryWorkspace(workspaceId, query, range);
        const tables = result.status === LogsQueryResultStatus.Success ? result.tables : result.partialTables;
        const table = tables[0];
        if (!table) return [];
        return table.rows.map((row) => Object.fromEntries(table.columnDescriptors.map((c, i) => [c.name ?? `column${i}`, row[i]])));
      }),
  };
}
