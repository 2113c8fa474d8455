// `handoff run` (no `local`): fetch config, files, secrets and last artifacts from the store, run, push artifacts and records.
import { killAllProcessGroups } from '../../process/process-registry.js';
import { evaluateVarsEnv } from '../../providers/store/evaluate-vars-env.js';
import { fetchProjectCopy } from '../../providers/store/fetch-project.js';
import { archiveArtifacts, getArtifacts, pushArtifacts, pushRunRecords } from '../../providers/store/project-store.js';
import { readStoreSecrets, toRunSecrets } from '../../providers/store/store-secrets.js';
import type { RunEvent } from '../../runner/events.js';
import { executeLocalRun, prepareLocalRun } from '../../runner/run-local.js';
import { RunInterrupt } from '../../runner/run-project.js';
import { maskDeep } from '../../secrets/mask.js';
import { parseVarTokens } from '../../template/parse-vars.js';
import { initWorkspace } from '../../workspace/workspace-paths.js';
import { requireWorkspaceDir, type GlobalOptions } from '../global-options.js';
import { renderRunEvent } from '../render-run-events.js';
import { withStoreSession } from './store-session.js';

function graceFromEnv(): number | undefined {
  const raw = process.env.HANDOFF_GRACE_SECONDS;
  if (!raw) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * What the container runs. The store is named by `-p`'s deploy keys or by `-e resource_group=… task=…`; keys use the
 * bare task and the stage-prefixed resource group, the same as every push (the original looked for `dev-<task>/…`
 * while pushing `<task>/…`). Other `-e` pairs become environment variables of the run, as a container's would.
 */
export function runCommand(options: GlobalOptions, flags: { dryRun?: boolean } = {}): Promise<number> {
  const workspaceDir = requireWorkspaceDir(options);
  return withStoreSession(options, { project: false }, async (session) => {
    const { provider, log } = session;
    for (const [key, value] of Object.entries(session.extraEnvs)) process.env[key] = String(value);

    // Variables first: a bad __VARS or -v is bad input, found before anything is fetched or written.
    const scheduled = await evaluateVarsEnv(process.env.__VARS ?? '');
    const vars = { ...scheduled, ...parseVarTokens(options.vars, '-v') };
    if (Object.keys(scheduled).length > 0) log.log('info', `Variables from __VARS: ${Object.keys(scheduled).join(', ')}`);

    log.log('info', `Fetching ${provider.names.task} from the ${provider.name} store ${provider.objects.describe(provider.names.s3.taskPrefix)}`);
    initWorkspace(workspaceDir);
    const fetched = await fetchProjectCopy(provider, workspaceDir);
    const secrets = toRunSecrets(await readStoreSecrets(provider));
    const artifacts = await getArtifacts(provider, workspaceDir);
    log.log('info', `Fetched project.yml, ${fetched.files.keys.length} files, ${secrets.length} secrets and ${artifacts.keys.length} artifacts`);

    const emit = (event: RunEvent): void => renderRunEvent(event, log);
    const runOptions = {
      projectDir: fetched.projectDir,
      workspaceDir,
      stage: options.stage,
      vars,
      secrets,
      strict: options.strict,
      timeoutSeconds: options.timeout,
      graceMs: graceFromEnv(),
      // A fresh workspace (a container's first run, a scheduled run) gets its venvs here, unchanged ones are skipped.
      installVenvs: true,
      emit,
      attachConsoleLog: (write: ((line: string) => void) | undefined) => log.tee(write),
    };
    const prepared = await prepareLocalRun(runOptions);
    if (flags.dryRun) {
      // The store was read (into W/.handoff/project and W/artifacts) so the plan is the one the container would run.
      const lines = [`Run plan of ${provider.objects.describe(provider.names.s3.projectKey)} (stage ${options.stage}); nothing is run:`];
      for (const task of prepared.plan.tasks) {
        lines.push(`task ${task.name}${task.active ? '' : ' (inactive)'}:`, ...task.outline.map((l) => `  ${prepared.masker.mask(l)}`));
      }
      process.stdout.write(options.json ? `${JSON.stringify(maskDeep(prepared.plan, prepared.masker), null, 2)}\n` : `${lines.join('\n')}\n`);
      return 0;
    }

    const interrupt = new RunInterrupt();
    const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      if (interrupt.signal) {
        log.log('warning', `Received ${signal} again: killing every process now`);
        killAllProcessGroups('SIGKILL');
        return;
      }
      log.log('warning', `Received ${signal}: stopping the run (processes get SIGTERM, then SIGKILL after the grace period)`);
      interrupt.interrupt(signal);
    };
    const onInt = (): void => onSignal('SIGINT');
    const onTerm = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    let exitCode: number;
    let succeeded: boolean;
    let runId: string;
    try {
      const result = await executeLocalRun(prepared, runOptions, interrupt);
      exitCode = result.exitCode;
      succeeded = result.status === 'succeeded';
      runId = result.runId;
      const duration = `${(result.durationMs / 1000).toFixed(1)} s`;
      if (succeeded) log.log('info', `Run ${result.runId} succeeded in ${duration}`);
      else if (result.status === 'interrupted') log.log('warning', `Run ${result.runId} was interrupted by ${result.interruptSignal}`);
      else log.log('error', `Run ${result.runId} failed${result.message ? `: ${prepared.masker.mask(result.message)}` : ''}`);
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }

    // As in the original, deploy.push_artifacts_on_fail defaults to true: a failed run's logs are what one needs to see.
    // Singer state is safe either way: a failed run never rewrites artifacts/state.json.
    const pushOnFail = prepared.project.deploy.push_artifacts_on_fail !== false;
    if (options.pushArtifacts && (succeeded || pushOnFail)) {
      const pushed = await pushArtifacts(provider, workspaceDir, (level, m) => log.log(level, m));
      const archived = await archiveArtifacts(provider);
      const records = await pushRunRecords(provider, workspaceDir, runId);
      log.log('info', `Pushed ${pushed.keys.length} artifacts to ${pushed.location}, archived them to ${archived.location}, pushed ${records.keys.length} run records`);
    } else if (options.pushArtifacts) {
      const records = await pushRunRecords(provider, workspaceDir, runId);
      log.log('warning', `The run failed and deploy.push_artifacts_on_fail is false: artifacts were not pushed; pushed ${records.keys.length} run records`);
    }
    return exitCode;
  });
}
