// Writes a throwaway project (project.yml plus files) and makes an empty workspace beside it, under the benchmark's folder.
import fs from 'node:fs';
import path from 'node:path';

export interface BenchProject {
  projectDir: string;
  workspaceDir: string;
}

export function writeProject(parentDir: string, name: string, projectYml: string, files: Record<string, string> = {}): BenchProject {
  const projectDir = path.join(parentDir, name, 'project');
  const workspaceDir = path.join(parentDir, name, 'workspace');
  fs.mkdirSync(projectDir, { recursive: true });
  // An existing workspace, as a project that runs on a schedule has: its first run (a benchmark's warm-up) keeps the
  // validated project there, so every timed run reads it back. Without it the first timed run checked project.yml in
  // full (and with TurboFan on), one sample in three of the foreach rows.
  fs.mkdirSync(workspaceDir, { recursive: true });
  fs.writeFileSync(path.join(projectDir, 'project.yml'), projectYml);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(projectDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return { projectDir, workspaceDir };
}

/** Quotes a value for a YAML double-quoted scalar (paths with spaces, shell quotes in args). */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}
