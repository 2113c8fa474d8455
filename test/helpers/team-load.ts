// The team server under load, shared by the reliability test and the ui-load benchmark: 20 projects with 1,000 runs
// each, 50 signed-in viewers with a live event stream each, and the page API requests those viewers make.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath } from './cli.js';
import { openTeamEvents, signIn, writeRunCopies, writeTestAccounts, type EventReader, type TeamClient, type UiProcess } from './ui-process.js';

export interface TeamLoadSetup {
  root: string;
  config: string;
  projectIds: string[];
  /** The project the live run happens in, and its folders. */
  live: { id: string; projectDir: string; workspaceDir: string; gate: string };
  viewers: Array<{ name: string; password: string }>;
  /** Run ids of each project, oldest first. */
  runIds: Record<string, string[]>;
}

const LIVE_PROJECT = (gate: string): string => `tasks:
  - name: sync
    commands:
      - command: sh
        args: -c 'i=0; while [ $i -lt 40 ]; do echo "INFO synced batch $i" >&2; i=$((i+1)); done; while [ -f ${gate} ]; do sleep 0.05; done; echo "INFO all batches synced" >&2'
schedules:
  - target_id: 1
    cron: "0 * * * ? *"
`;

function runOnce(cli: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

/**
 * Projects (one real seed run copied into each history), accounts for the viewers, and ui.yml. `cli` is the handoff
 * entry script of the seed run (the benchmark passes its own; tests use the repository's).
 */
export async function writeTeamLoadSetup(root: string, options: { projects: number; runsPerProject: number; viewers: number; cli?: string }): Promise<TeamLoadSetup> {
  const gate = path.join(root, 'live.gate');
  const projectIds: string[] = [];
  const runIds: Record<string, string[]> = {};
  for (let p = 0; p < options.projects; p++) {
    const id = `client-${String(p + 1).padStart(2, '0')}`;
    fs.mkdirSync(path.join(root, id), { recursive: true });
    fs.writeFileSync(path.join(root, id, 'project.yml'), LIVE_PROJECT(gate));
    projectIds.push(id);
  }
  const live = { id: projectIds[0], projectDir: path.join(root, projectIds[0]), workspaceDir: path.join(root, 'ws', projectIds[0]), gate };
  const seedCode = await runOnce(options.cli ?? cliPath, ['run', 'local', '-p', live.projectDir, '-w', live.workspaceDir]);
  if (seedCode !== 0) throw new Error(`the seed run failed with ${seedCode}`);
  const seedFile = fs.readdirSync(path.join(live.workspaceDir, 'runs')).find((f) => f.endsWith('.json'))!;
  const template = JSON.parse(fs.readFileSync(path.join(live.workspaceDir, 'runs', seedFile), 'utf8')) as Record<string, unknown>;
  fs.rmSync(path.join(live.workspaceDir, 'runs', seedFile));
  for (const id of projectIds) runIds[id] = writeRunCopies(path.join(root, 'ws', id, 'runs'), template, options.runsPerProject);

  const viewers = Array.from({ length: options.viewers }, (_, i) => ({ name: `viewer-${i + 1}`, password: `viewer ${i + 1} long passphrase` }));
  // A low scrypt cost (stored in each hash): fifty sign-ins measure the server, not the hashing.
  await writeTestAccounts(path.join(root, 'users.json'), [...viewers.map((v) => ({ ...v, role: 'viewer' as const })), { name: 'operator', role: 'operator', password: 'operator long passphrase' }]);
  const config = path.join(root, 'ui.yml');
  fs.writeFileSync(config, `listen: 127.0.0.1:0\nusers: users.json\naudit_log: audit.jsonl\nprojects:\n${projectIds.map((id) => `  - {id: ${id}, project: ${id}, workspace: ws/${id}, provider: none}`).join('\n')}\n`);
  return { root, config, projectIds, live, viewers, runIds };
}

export interface Viewer {
  client: TeamClient;
  project: string;
  events: EventReader;
}

/** Signs every viewer in and opens its project's event stream; viewer i watches project i mod projects. */
export async function connectViewers(ui: UiProcess, setup: TeamLoadSetup): Promise<Viewer[]> {
  const viewers: Viewer[] = [];
  for (const [i, v] of setup.viewers.entries()) {
    const client = await signIn(ui, v.name, v.password);
    const project = setup.projectIds[i % setup.projectIds.length];
    const events = openTeamEvents(ui, `/api/projects/${project}/events`, { cookie: client.cookie });
    if ((await events.status) !== 200) throw new Error(`the event stream of ${v.name} was refused`);
    viewers.push({ client, project, events });
  }
  return viewers;
}

/** The requests a viewer's pages make: the project list, a project's overview, runs pages, the chart, a run. */
export function pageRequests(setup: TeamLoadSetup, project: string, round: number): string[] {
  const ids = setup.runIds[project];
  const offset = (round * 50) % Math.max(1, ids.length - 50);
  const runId = ids[(round * 37) % ids.length];
  return ['/api/projects', `/api/projects/${project}/overview`, `/api/projects/${project}/runs?offset=0&limit=50`, `/api/projects/${project}/runs?offset=${offset}&limit=50`, `/api/projects/${project}/run-points?limit=120`, `/api/projects/${project}/runs/${runId}`];
}

export interface LoadResult {
  latenciesMs: number[];
  statuses: Record<number, number>;
  bytes: number;
}

/** Every viewer makes `rounds` rounds of its pages' requests, all viewers at once; each request's time is kept. */
export async function drivePageLoad(setup: TeamLoadSetup, viewers: Viewer[], rounds: number): Promise<LoadResult> {
  const result: LoadResult = { latenciesMs: [], statuses: {}, bytes: 0 };
  await Promise.all(
    viewers.map(async (viewer, i) => {
      for (let round = 0; round < rounds; round++) {
        for (const pathname of pageRequests(setup, viewer.project, round + i)) {
          const began = performance.now();
          const response = await viewer.client.call(pathname);
          const body = await response.arrayBuffer();
          result.latenciesMs.push(performance.now() - began);
          result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
          result.bytes += body.byteLength;
        }
      }
    }),
  );
  return result;
}

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
