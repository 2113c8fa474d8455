// Times handoff's project loader on its own, in a fresh process: the first load (with the loader's module set-up)
// and then warm loads. Prints JSON. Usage: node load-project-probe.js <projectDir> <warm loads>
import { performance } from 'node:perf_hooks';

async function main(): Promise<void> {
  const projectDir = process.argv[2];
  const warmLoads = Number(process.argv[3] ?? '20');
  const started = performance.now();
  // Imported here rather than at the top, so the bundler defers the loader's module set-up (yaml, zod schema) to
  // this point and the first load's time includes it, as it does in a fresh `handoff config validate`.
  const { loadProject } = await import('../../../src/project/load-project.js');
  const imported = performance.now();
  const first = await loadProject(projectDir);
  const loaded = performance.now();
  const warm: number[] = [];
  for (let i = 0; i < warmLoads; i++) {
    const t = performance.now();
    await loadProject(projectDir);
    warm.push(performance.now() - t);
  }
  process.stdout.write(
    `${JSON.stringify({ tasks: first.project.tasks.length, moduleSetupMs: imported - started, firstLoadMs: loaded - imported, warmLoadMs: warm })}\n`,
  );
}

await main();
