// The team server under load, on 127.0.0.1, bounded in count and time: 20 projects with 1,000 runs each, 50 signed-in
// viewers each with a live event stream, all of them reading their pages at once while a run writes its log. Every
// request is answered, every viewer of the running project sees the run live, and the server's memory stays bounded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { UiEvent } from '../../src/ui/api-types.js';
import { cliPath, makeTempDir, waitFor } from '../helpers/cli.js';
import { connectViewers, drivePageLoad, percentile, writeTeamLoadSetup } from '../helpers/team-load.js';
import { memoryOf, openTeamEvents, startTeamUi, stopUis } from '../helpers/ui-process.js';

afterAll(stopUis);

describe('the team server with 20 projects × 1,000 runs and 50 live viewers', () => {
  it('answers every page request and streams a run to every viewer of its project, within bounded memory', { timeout: 240_000 }, async () => {
    const setup = await writeTeamLoadSetup(makeTempDir('handoff-team-load-'), { projects: 20, runsPerProject: 1000, viewers: 50 });
    const ui = await startTeamUi(['--config', setup.config]);
    const viewers = await connectViewers(ui, setup);
    const server = openTeamEvents(ui, '/api/events', { cookie: viewers[0].client.cookie });
    expect(await server.status).toBe(200);

    // A run in the first project, held open by a gate until the viewers have read their pages meanwhile.
    fs.writeFileSync(setup.live.gate, '');
    const run = spawn(process.execPath, [cliPath, 'run', 'local', '-p', setup.live.projectDir, '-w', setup.live.workspaceDir], { stdio: 'ignore' });
    const ran = new Promise<number | null>((resolve) => run.on('exit', resolve));
    let peakKb = 0;
    const sampler = setInterval(() => (peakKb = Math.max(peakKb, memoryOf(ui.child.pid!).rssKb)), 100);

    const load = await drivePageLoad(setup, viewers, 3);
    fs.rmSync(setup.live.gate);
    expect(await ran).toBe(0);

    // Every request answered, all 200.
    expect(load.statuses).toEqual({ 200: 50 * 3 * 6 });
    // Each viewer of the running project got its run (added, then ended) and its log lines, live.
    const watching = viewers.filter((v) => v.project === setup.live.id);
    expect(watching.length).toBe(3);
    const ended = (events: UiEvent[]): boolean => events.some((e) => e.type === 'run' && e.run.status === 'succeeded' && !setup.runIds[setup.live.id].includes(e.run.runId));
    await waitFor(() => watching.every((v) => ended(v.events.events)), 30_000);
    await waitFor(() => watching.every((v) => v.events.events.some((e) => e.type === 'log' && e.text.includes('all batches synced'))), 15_000);
    for (const v of watching) expect(v.events.events.filter((e) => e.type === 'log').map((e) => (e as { text: string }).text).join('')).toContain('synced batch 39');
    // Viewers of other projects were not sent its logs.
    for (const v of viewers.filter((x) => x.project !== setup.live.id)) expect(v.events.events.some((e) => e.type === 'log')).toBe(false);
    // The project list's stream announced the project's new state.
    await waitFor(() => server.events.some((e) => e.type === 'project' && e.card.id === setup.live.id && e.card.totalRuns === 1001), 15_000);
    clearInterval(sampler);

    const p95 = percentile(load.latenciesMs, 0.95);
    process.stderr.write(`ui-team-load: ${load.latenciesMs.length} page requests by 50 viewers with live streams over 20 × 1,000 runs: p50 ${percentile(load.latenciesMs, 0.5).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; server peak RSS ${(peakKb / 1024).toFixed(0)} MB\n`);
    // Generous: a leak (every record held whole, every event copied per client) would go far beyond.
    expect(peakKb / 1024).toBeLessThan(400);
    for (const v of viewers) v.events.close();
    server.close();
    if (process.env.PROF) {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });
});
