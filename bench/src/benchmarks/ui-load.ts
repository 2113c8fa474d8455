// The team server under load: p95 latency of the page API for 50 signed-in viewers, each with a live event stream,
// reading their pages all at once over 20 projects with 1,000 runs each; against a bare node:http server that answers
// the same requests with the same bytes prepared in advance (the floor of HTTP on this machine).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Benchmark } from '../benchmark.js';
import { benchEnv } from '../run-process.js';
import { summarizeSamples } from '../summarize-samples.js';
import { connectViewers, drivePageLoad, pageRequests, percentile, writeTeamLoadSetup, type Viewer } from '../../../test/helpers/team-load.js';
import type { UiProcess } from '../../../test/helpers/ui-process.js';

const PROJECTS = 20;
const RUNS_PER_PROJECT = 1000;
const VIEWERS = 50;
/** Rounds of each viewer's six page requests per trial. */
const ROUNDS = 2;
const TARGET_P95_MS = 500;

/** `handoff ui serve --config …` until its URL is printed. */
function startServer(cliPath: string, config: string): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'ui', 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'ignore'], env: benchEnv() });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /handoff UI server: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (match) resolve({ child, base: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`handoff ui serve exited with ${code}`)));
  });
}

/** A server that answers each path with bytes captured from handoff beforehand, and holds event streams open. */
async function startBaseline(bodies: Map<string, Buffer>): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/events')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      return;
    }
    const body = bodies.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export const uiLoad: Benchmark = {
  name: 'ui-load',
  title: 'Team server under load',
  async run(ctx) {
    ctx.progress(`writing ${PROJECTS} projects × ${RUNS_PER_PROJECT} runs and ${VIEWERS} accounts`);
    const setup = await writeTeamLoadSetup(ctx.tmpDir, { projects: PROJECTS, runsPerProject: RUNS_PER_PROJECT, viewers: VIEWERS, cli: ctx.handoff.cliPath });
    const { child, base } = await startServer(ctx.handoff.cliPath, setup.config);
    let baseline: http.Server | undefined;
    const opened: Viewer[] = [];
    try {
      const ui = { base } as UiProcess;
      const viewers = await connectViewers(ui, setup);
      opened.push(...viewers);
      // What handoff answers, captured once, is what the baseline serves.
      const bodies = new Map<string, Buffer>();
      for (const [i, viewer] of viewers.entries()) {
        for (let round = 0; round < ROUNDS; round++) {
          for (const pathname of pageRequests(setup, viewer.project, round + i)) {
            if (!bodies.has(pathname)) bodies.set(pathname, Buffer.from(await (await viewer.client.call(pathname)).arrayBuffer()));
          }
        }
      }
      const bare = await startBaseline(bodies);
      baseline = bare.server;
      const bareViewers: Viewer[] = viewers.map((v) => ({ ...v, client: { ...v.client, call: (pathname: string) => fetch(`${bare.base}${pathname}`) } }));
      const bareStreams = await Promise.all(viewers.map(() => fetch(`${bare.base}/api/projects/x/events`)));

      const handoffP95: number[] = [];
      const handoffP50: number[] = [];
      const bareP95: number[] = [];
      let requests = 0;
      for (let trial = 0; trial < ctx.runs + 1; trial++) {
        const ours = await drivePageLoad(setup, viewers, ROUNDS);
        const theirs = await drivePageLoad(setup, bareViewers, ROUNDS);
        if (Object.keys(ours.statuses).some((s) => s !== '200')) throw new Error(`handoff answered ${JSON.stringify(ours.statuses)}`);
        // The first trial warms the caches of both.
        if (trial === 0) continue;
        requests = ours.latenciesMs.length;
        handoffP95.push(percentile(ours.latenciesMs, 0.95));
        handoffP50.push(percentile(ours.latenciesMs, 0.5));
        bareP95.push(percentile(theirs.latenciesMs, 0.95));
        ctx.progress(`trial ${trial}/${ctx.runs}: p95 ${handoffP95.at(-1)!.toFixed(0)} ms (bare node:http ${bareP95.at(-1)!.toFixed(0)} ms)`);
      }
      for (const stream of bareStreams) await stream.body?.cancel();
      const p95 = summarizeSamples(handoffP95);
      const bareSummary = summarizeSamples(bareP95);
      return {
        notes: [
          `${PROJECTS} projects × ${RUNS_PER_PROJECT} run records, ${VIEWERS} signed-in viewers each with an open event stream of its project; in each trial every viewer makes ${ROUNDS} rounds of its pages' ${pageRequests(setup, setup.projectIds[0], 0).length} requests (project list, overview, two runs pages, chart, a run) with no pause, all viewers at once (${requests} requests); ${ctx.runs} trials after a warm-up.`,
          'Baseline: a bare node:http server on the same machine answering the same paths with the same bytes captured from handoff beforehand, under the same 50 concurrent clients.',
        ],
        rows: [
          {
            measure: `p95 page API latency, ${VIEWERS} live viewers, ${PROJECTS} × ${RUNS_PER_PROJECT} runs`,
            unit: 'ms' as const,
            handoff: p95,
            baseline: bareSummary,
            baselineLabel: 'bare node:http, same bytes',
            ratio: p95.median / bareSummary.median,
            ratioLabel: `${(p95.median / bareSummary.median).toFixed(1)} × the bare server`,
            target: `< ${TARGET_P95_MS} ms`,
            met: p95.median < TARGET_P95_MS,
          },
          { measure: 'p50 page API latency, same load', unit: 'ms' as const, handoff: summarizeSamples(handoffP50) },
        ],
      };
    } finally {
      for (const viewer of opened) viewer.events.close();
      baseline?.closeAllConnections();
      baseline?.close();
      child.kill('SIGTERM');
    }
  },
};
