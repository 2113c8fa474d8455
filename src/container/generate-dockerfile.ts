// Writes the Dockerfile of a project's image (SPEC §7): a pure function of the project and the build's choices.
import type { Project } from '../project/types.js';
import { CONTEXT, DEFAULT_COMMAND, IMAGE, installProjectPath } from './context-layout.js';

export interface DockerfileOptions {
  baseImage: string;
  imageName: string;
  imageVersion: string;
  handoffVersion: string;
}

/** What `workspace install` leaves in the workspace besides the venvs; root's, so a run as another user could not write them. */
// `.handoff` holds the workspace's mark and owner, made by root's installs: a run as another user writes its own.
const WORKSPACE_LEFTOVERS = ['files', 'artifacts', 'runs', '.handoff', '.handoff.lock'];

/** `workspace install` as each install layer runs it; the same text in every step so only the step's project.yml varies. */
const INSTALL_RUN = `handoff workspace install -p ${IMAGE.projectDir} -w ${IMAGE.workspaceDir}`;

/**
 * Layers, cheapest to change last: the runtime check, handoff, the parts of files/ the installs name, one layer per
 * install (each keyed by the installs up to it), then the rest of files/ and of the project. No secret is ever an input: the build context has no
 * .secrets/, and install commands are rendered inside the build, where no secret exists.
 */
export function generateDockerfile(project: Project, options: DockerfileOptions): string {
  const lines: string[] = [
    `# Image of the handoff project "${options.imageName}", written by handoff ${options.handoffVersion} (container build).`,
    '# To build from your own Dockerfile instead, set container.docker_file in project.yml.',
    `FROM ${options.baseImage}`,
    '',
    '# handoff needs Node.js 20 or newer, the installs need Python 3 with venv, and tini is the init process. The offline',
    '# base (npm run container:base) has them all; on another Debian-based base they are installed here.',
    'RUN if ! command -v tini >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then \\',
    '      apt-get update \\',
    '      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv tini ca-certificates \\',
    '      && rm -rf /var/lib/apt/lists/*; \\',
    '    fi \\',
    ` && node -e 'if (Number(process.versions.node.split(".")[0]) < 20) { console.error("handoff needs Node.js 20 or newer in the base image, found " + process.version); process.exit(1) }'`,
    '',
    '# handoff itself: its self-contained bundle, so nothing is installed or downloaded for it.',
    `COPY ${CONTEXT.handoff}/ ${IMAGE.handoffDir}/`,
    `RUN ln -sf ${IMAGE.handoffDir}/bin/handoff.js ${IMAGE.handoffBin} && handoff --version`,
    '',
  ];

  if (project.installs.length > 0) {
    lines.push(
      '# What install commands (and the vars and envs they get) name under files/, e.g. pip install ./files/my_tap; the',
      '# rest of files/ comes after the installs, so editing it reinstalls nothing.',
      `COPY ${CONTEXT.installFiles}/ ${IMAGE.projectDir}/files/`,
      '# One layer per installs[] entry: its project.yml holds the installs up to it, so a changed entry rebuilds only',
      '# itself and the ones after it, and a changed task rebuilds none.',
    );
    project.installs.forEach((install, index) => {
      const step = index + 1;
      lines.push(
        `# ${install.venv ? `venv ${install.venv}` : `install ${step}`}: ${oneLine(install.command)}${install.python ? ` (made by ${install.python})` : ''}`,
        `COPY ${installProjectPath(step)} ${IMAGE.projectDir}/project.yml`,
        `RUN ${install.python ? `${checkInterpreter(install.python, index)} && ` : ''}${INSTALL_RUN}`,
      );
    });
    lines.push('', '# The rest of the project\'s files/.');
  } else {
    lines.push('# The project\'s files/.');
  }
  lines.push(`COPY ${CONTEXT.projectFiles}/ ${IMAGE.projectDir}/files/`);

  lines.push(
    '# The project itself; its .secrets/ is never in the build context.',
    `COPY ${CONTEXT.project}/ ${IMAGE.projectDir}/`,
    `WORKDIR ${IMAGE.workspaceDir}`,
    '# Clouds may run the image as a user other than root (ECS user, runAsNonRoot, OpenShift\'s random UIDs): the',
    '# workspace folder is writable by any user, without the folders the installs left (a run makes its own), and the',
    '# venvs stay root\'s, read and used as they are. Only the folder itself changes, so no layer is copied again.',
    `RUN chmod 0777 ${IMAGE.workspaceDir} && rm -rf ${WORKSPACE_LEFTOVERS.map((n) => `${IMAGE.workspaceDir}/${n}`).join(' ')}`,
    `LABEL org.opencontainers.image.title=${JSON.stringify(options.imageName)} org.opencontainers.image.version=${JSON.stringify(options.imageVersion)} io.handoff.version=${JSON.stringify(options.handoffVersion)}`,
    '# tini is PID 1: it passes signals on to handoff and reaps orphaned processes. The default command runs the',
    '# project from its store as the cloud does: the stage from $HO_STAGE, variables from $__VARS (evaluated at run',
    '# time); arguments given to the container replace it, e.g. `run local -p /project -w /workspace`.',
    `ENTRYPOINT ["tini", "--", "handoff"]`,
    `CMD ${JSON.stringify(DEFAULT_COMMAND)}`,
    '',
  );
  return lines.join('\n');
}

/**
 * installs[].python must exist in the image: the base image decides which Pythons there are, so a missing one stops
 * the build with what to change rather than a venv error from inside it.
 */
function checkInterpreter(python: string, index: number): string {
  const quoted = `'${python.replaceAll("'", `'"'"'`)}'`;
  const message = `handoff: installs[${index}].python ${python} is not in the base image; use a base image that has it (container.base_image or HANDOFF_BASE_IMAGE) or a container.docker_file that installs it`;
  return `(command -v ${quoted} >/dev/null 2>&1 || { echo ${JSON.stringify(message)} >&2; exit 1; })`;
}

/** A command as a one-line Dockerfile comment (newlines would end the comment and start an instruction). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
