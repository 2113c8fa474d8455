// `handoff config validate [local]` and `handoff schema`: check project.yml and give editors its JSON Schema.
import { createProjectJsonSchema } from '../../project/json-schema.js';
import { loadProject } from '../../project/load-project.js';
import { planRun } from '../../runner/plan-run.js';
import { formatDiagnostic } from '../../errors.js';
import { requireProjectDir, type GlobalOptions } from '../global-options.js';
import { plural } from '../../plural.js';

export async function configValidateCommand(options: GlobalOptions): Promise<number> {
  const { project, warnings } = await loadProject(requireProjectDir(options));
  const plan = planRun(project);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ valid: true, file: project.file, tasks: plan.tasks.length, warnings }, null, 2)}\n`);
    return 0;
  }
  for (const w of warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
  process.stdout.write(
    `${project.file} is valid: ${plural(plan.tasks.length, 'task')}, ${plural(project.installs.length, 'install')}, ` +
      `${plural(project.schedules.length, 'schedule')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
  );
  return 0;
}

export function schemaCommand(): number {
  process.stdout.write(`${JSON.stringify(createProjectJsonSchema(), null, 2)}\n`);
  return 0;
}
