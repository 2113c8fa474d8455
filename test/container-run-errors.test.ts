// `container run` when the container runtime itself fails: the raw error is shown, and what to change is said.
// The runtime's rlimit refusal depends on the machine's kernel and user, so a stand-in `podman` script (a real
// process on PATH, printing what runc prints) plays the CLI; the real podman runs in test/container.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, makeTempDir, runCli } from './helpers/cli.js';

const RUNC_RLIMIT =
  'Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimit type 7: operation not permitted: OCI permission denied';

/** A folder with a `podman` that lists one local image and fails `run` with the given stderr line and exit code. */
function standInPodman(runError: string, exitCode: number): string {
  const dir = makeTempDir('handoff-podman-');
  const script = `#!/bin/sh
case "$1" in
  images) printf 'localhost/rates\\t0.1\\n' ;;
  run) echo "container output line"; echo '${runError}' >&2; exit ${exitCode} ;;
  *) exit 0 ;;
esac
`;
  fs.writeFileSync(path.join(dir, 'podman'), script, { mode: 0o755 });
  return dir;
}

async function containerRun(bin: string) {
  const { projectDir } = makeProject('deploy:\n  container_image: rates\ntasks:\n- name: a\n  commands:\n  - command: "true"\n');
  const home = makeTempDir('handoff-home-');
  const env = { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, HANDOFF_HOME: home };
  // The version named: without it, run picks this project's own build by its label (test/container.test.ts).
  return runCli(['container', 'run', '-p', projectDir, '-v', 'version=0.1', '--container-provider', 'podman'], { env });
}

describe('container run, when the runtime fails', () => {
  it('names the containers.conf settings that fix runc\'s "error setting rlimit … operation not permitted"', async () => {
    const r = await containerRun(standInPodman(RUNC_RLIMIT, 126));
    expect(r.code).toBe(126);
    expect(r.stdout).toContain('container output line');
    expect(r.stderr).toContain(RUNC_RLIMIT);
    expect(r.stderr).toContain("podman could not start the container: the container runtime was not allowed to set the container's resource limits");
    expect(r.stderr).toContain('/etc/containers/containers.conf');
    expect(r.stderr).toContain('default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]');
  });

  it('adds nothing to another failure', async () => {
    const r = await containerRun(standInPodman('Error: something else broke', 125));
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('Error: something else broke');
    expect(r.stderr).not.toContain('default_ulimits');
  });
});
