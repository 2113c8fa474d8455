// The project.yml of each install step of the image: one Docker layer per installs[] entry, cached by its command.
import type { Project } from '../project/types.js';

/**
 * Step n's project.yml holds installs 1..n, the vars, the envs that have values and `deploy` (all of which install
 * commands may use as template variables), and nothing else. A layer's cache key is the text of the steps before it,
 * so editing tasks, schedules or a later install leaves the earlier venvs' layers cached; the earlier venvs inside a
 * step are skipped by `workspace install` because their fingerprints match.
 *
 * Written as JSON (which YAML reads as it is) so no value changes meaning between YAML versions (`2024-01-01`, `no`).
 */
export function createInstallProjects(project: Project): string[] {
  const envs = project.envs.filter((e) => e.value !== undefined).map((e) => ({ key: e.key, value: e.value }));
  return project.installs.map((_, index) => {
    const stub: Record<string, unknown> = {
      installs: project.installs
        .slice(0, index + 1)
        .map((i) => (i.venv === undefined ? { command: i.command } : { venv: i.venv, command: i.command, ...(i.python === undefined ? {} : { python: i.python }) })),
    };
    if (project.vars.length > 0) stub.vars = project.vars.map((v) => ({ key: v.key, value: v.value }));
    if (envs.length > 0) stub.envs = envs;
    stub.deploy = project.deploy;
    return `# installs 1-${index + 1} of the project, for one cached image layer each (written by handoff container build)\n${JSON.stringify(stub, null, 2)}\n`;
  });
}
