// The team server and projects that declare no deployment (no `deploy:`), or whose project.yml cannot be loaded: no
// cloud error for a project that has no cloud side, the project's own error where it is the cause, and no secrets
// warning for a project that needs no secrets.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectCard, ProjectResponse, RunsPage, SchedulesResponse, UiEvent } from '../src/ui/api-types.js';
import { makeTempDir } from './helpers/cli.js';
import { callTeam, openTeamEvents, startTeamUi, stopUis, waitForAnswer, type TeamUiProcess } from './helpers/ui-process.js';

afterAll(stopUis);

const PLAIN = 'tasks:\n  - name: report\n    commands:\n      - command: echo report\n';
const SCHEDULED = `${PLAIN}schedules:\n  - target_id: 1\n    name: every five\n    cron: "*/5 * * * ? *"\n`;
const WITH_SECRET = `envs:\n  - key: API_TOKEN\n${PLAIN}`;

describe('the team server with projects that are not deployed', () => {
  let root: string;
  let ui: TeamUiProcess;
  const get = async <T>(pathname: string): Promise<T> => {
    const response = await callTeam(ui, pathname, { headers: { authorization: `Bearer ${ui.token}` } });
    expect(response.status, pathname).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    root = makeTempDir('handoff-team-undeployed-');
    for (const [name, yml] of [
      ['plain', PLAIN],
      ['scheduled', SCHEDULED],
      ['secret', WITH_SECRET],
      ['gone', PLAIN],
      ['broken', 'tasks:\n  - name: [\n'],
      ['live', 'tasks:\n  - name: [\n'],
    ]) {
      fs.mkdirSync(path.join(root, name), { recursive: true });
      fs.writeFileSync(path.join(root, name, 'project.yml'), yml);
    }
    fs.writeFileSync(
      path.join(root, 'ui.yml'),
      `listen: 127.0.0.1:0\nprojects:\n${['plain', 'scheduled', 'secret', 'gone', 'broken', 'live'].map((n) => `  - {project: ${n}, workspace: ws/${n}}`).join('\n')}\n`,
    );
    ui = await startTeamUi(['--config', path.join(root, 'ui.yml')]);
  });

  it('shows no cloud error on Runs or Schedules for a project without deploy:', async () => {
    const runs = await get<RunsPage>('/api/projects/plain/runs?limit=1');
    expect(runs.cloudError).toBeUndefined();
    expect(runs.projectError).toBeUndefined();
    const schedules = await get<SchedulesResponse>('/api/projects/scheduled/schedules');
    expect(schedules.schedules.map((s) => s.targetId)).toEqual(['1']);
    expect(schedules.deployment?.error).toBeUndefined();
    expect((await get<RunsPage>('/api/projects/scheduled/runs?limit=1')).cloudError).toBeUndefined();
  });

  it('names the project\'s own error, not a cloud failure, when project.yml is broken or its folder is gone', async () => {
    fs.renameSync(path.join(root, 'gone'), path.join(root, 'gone-away'));
    const gone = await get<RunsPage>('/api/projects/gone/runs?limit=1');
    expect(gone.cloudError).toBeUndefined();
    expect(gone.projectError).toContain('project.yml cannot be loaded');
    expect(gone.projectError).toContain(path.join(root, 'gone'));
    const broken = await get<RunsPage>('/api/projects/broken/runs?limit=1');
    expect(broken.cloudError).toBeUndefined();
    expect(broken.projectError).toContain(path.join(root, 'broken', 'project.yml'));
    // Fixed: the error goes.
    fs.writeFileSync(path.join(root, 'broken', 'project.yml'), PLAIN);
    expect((await get<RunsPage>('/api/projects/broken/runs?limit=1')).projectError).toBeUndefined();
  });

  it('warns about a missing secrets file only for a project that needs secrets (as the CLI does)', async () => {
    expect((await get<ProjectResponse>('/api/projects/plain/project')).secretsProblem).toBeUndefined();
    expect((await get<ProjectResponse>('/api/projects/secret/project')).secretsProblem).toContain('no secrets file for stage "dev"');
  });

  it('tells the project list and the project\'s pages when project.yml is fixed, broken or its folder moved away', async () => {
    const auth = { authorization: `Bearer ${ui.token}` };
    const server = openTeamEvents(ui, '/api/events', auth);
    const project = openTeamEvents(ui, '/api/projects/live/events', auth);
    expect(await server.status).toBe(200);
    expect(await project.status).toBe(200);
    const cards = (): ProjectCard[] => server.events.filter((e): e is Extract<UiEvent, { type: 'project' }> => e.type === 'project' && e.card.id === 'live').map((e) => e.card);
    const changes = (): number => project.events.filter((e) => e.type === 'project-changed').length;
    try {
      expect((await get<{ projects: ProjectCard[] }>('/api/projects')).projects.find((c) => c.id === 'live')?.health).toBe('error');
      fs.writeFileSync(path.join(root, 'live', 'project.yml'), PLAIN);
      await waitForAnswer(async () => cards().at(-1)?.health === 'idle' && changes() === 1, 20_000);
      fs.renameSync(path.join(root, 'live'), path.join(root, 'live-moved'));
      await waitForAnswer(async () => cards().at(-1)?.health === 'error' && changes() === 2, 20_000);
      expect(cards().at(-1)?.healthText).toContain(path.join(root, 'live'));
    } finally {
      server.close();
      project.close();
    }
  });
});
