// Where the local provider keeps its store: $HANDOFF_HOME, default ~/.handoff, and the folders inside it.
import os from 'node:os';
import path from 'node:path';

/**
 * Layout under HANDOFF_HOME, mirroring S3 and SSM so a store can move between providers unchanged:
 *   buckets/<bucket>/<task>/project.yml, …/files/…, …/artifacts/last/…, …/artifacts/archives/<time>/…, …/runs/<id>.json
 *   parameters/handoff/<RG>/<key>            resource-group-level secret (a file of mode 0600)
 *   parameters/handoff/<RG>/<task>/<key>     task-level secret (a file of mode 0600)
 */
export interface HandoffHome {
  dir: string;
  bucketsDir: string;
  parametersDir: string;
}

export function resolveHandoffHome(env: NodeJS.ProcessEnv = process.env): HandoffHome {
  const dir = path.resolve(env.HANDOFF_HOME && env.HANDOFF_HOME.trim() !== '' ? env.HANDOFF_HOME : path.join(os.homedir(), '.handoff'));
  return { dir, bucketsDir: path.join(dir, 'buckets'), parametersDir: path.join(dir, 'parameters') };
}
