// Where things sit in the build context handoff assembles and in the image, shared by the context and the Dockerfile.

/** Paths inside the build context (a fresh temporary folder, never the project folder itself). */
export const CONTEXT = {
  dockerfile: 'Dockerfile',
  /** handoff itself: this package's bin/, dist/ and package.json. */
  handoff: 'handoff',
  /** The parts of files/ that install commands name (copied before the installs; with the generated Dockerfile only). */
  installFiles: 'install-files',
  /** The project's files/ (with the generated Dockerfile: the rest of it, copied after the installs). */
  projectFiles: 'project-files',
  /** The rest of the project, without files/ and never .secrets/. */
  project: 'project',
  /** `installs/<n>/project.yml`: the project.yml of install step n (1-based). */
  installs: 'installs',
} as const;

/** Names a `container.files_dir` may not bring into the context, because handoff's own entries live there. */
export const RESERVED_CONTEXT_NAMES: ReadonlySet<string> = new Set(Object.values(CONTEXT));

/** Paths inside the image. */
export const IMAGE = {
  handoffDir: '/opt/handoff',
  handoffBin: '/usr/local/bin/handoff',
  projectDir: '/project',
  workspaceDir: '/workspace',
} as const;

export function installProjectPath(step: number): string {
  return `${CONTEXT.installs}/${step}/project.yml`;
}

/**
 * What the container runs by default, as the cloud does (SPEC §6): `handoff run -w <workspace> -s $HO_STAGE -a`. The
 * stage comes from HO_STAGE (handoff's default for -s), `__VARS` is evaluated by `handoff run` itself at run time, and
 * `-p` names the store's resource group and task through the image's project.yml. Arguments given to the container
 * replace this command: `docker run IMAGE run local -p /project -w /workspace`.
 */
export const DEFAULT_COMMAND = ['run', '-p', IMAGE.projectDir, '-w', IMAGE.workspaceDir, '-a'] as const;
