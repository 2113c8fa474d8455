// Tests of the Log Analytics queries of runs: the task's jobs only (its own and its schedules'), quoted safely.
import { describe, expect, it } from 'vitest';
import { createConsoleQuery, createSystemEventsQuery, quoteKql } from './azure-runs.js';

describe('Log Analytics queries of runs', () => {
  it('quotes text as a KQL string literal', () => {
    expect(quoteKql("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
  });

  it('reads the console lines of the task\'s jobs, of one execution, containing a text, oldest first', () => {
    expect(createConsoleQuery('ho-dev-etl-words-abc123', { execution: 'ho-dev-etl-words-abc123-x1y2z3a', filter: "rows='" })).toBe(
      [
        'ContainerAppConsoleLogs_CL',
        "| where ContainerJobName_s == 'ho-dev-etl-words-abc123' or ContainerJobName_s startswith 'ho-dev-etl-words-abc123-'",
        "| where ContainerGroupName_s startswith 'ho-dev-etl-words-abc123-x1y2z3a-'",
        "| where Log_s contains_cs 'rows=\\''",
        '| project TimeGenerated, ContainerGroupName_s, Log_s',
        '| order by TimeGenerated asc',
      ].join('\n'),
    );
    expect(createSystemEventsQuery('j')).toContain("| project TimeGenerated, ReplicaName_s, Reason_s, Log_s");
  });
});
