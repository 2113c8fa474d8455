// Test helper: Container Apps job executions that really run — `handoff run` of the image's project, with the job's env and a managed identity — logging as Container Apps does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Row } from './kql.js';

export interface ExecutionRecord {
  name: string;
  id: string;
  job: string;
  status: 'Processing' | 'Running' | 'Succeeded' | 'Failed' | 'Stopped';
  startTime: string;
  endTime?: string;
  template: { containers: ContainerSpec[] };
  /** Set when a stop was asked for. */
  stopping?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  resources?: { cpu?: number; memory?: string };
  env?: { name: string; value?: string }[];
}

export interface ExecutionHost {
  /** The folder standing for an image (its project, as the image's `handoff run -p /project` reads it); undefined: none. */
  resolveImage(image: string): string | undefined;
  /** The CA file the platform's environment names (NODE_EXTRA_CA_CERTS), mounted into a container at the same path. */
  caFile: string;
  /** The environment the platform adds to every container: the managed identity endpoint, the emulators' endpoints, the CA. */
  platformEnv(): Record<string, string>;
  handoffBin: string;
  console: Row[];
  system: Row[];
}

const random = (n: number): string => crypto.randomBytes(8).toString('hex').slice(0, n);

/**
 * Runs executions of jobs. An execution's replica is the job's image run with podman when podman has it (a test built
 * and pushed it), else `handoff run -p <project> -w <workspace> -a`, the image's default command, with the project the
 * test registered for the image standing for the image. Output lines become ContainerAppConsoleLogs_CL rows; container events (started, terminated with a
 * code, past the replica timeout, image pull failed) ContainerAppSystemLogs_CL rows. A failed replica is retried up to
 * the job's replicaRetryLimit; a replica past replicaTimeout is ended (SIGTERM to its process group, then SIGKILL).
 */
export function createExecutionRunner(host: ExecutionHost) {
  const running = new Map<string, ChildProcess>();

  function log(table: Row[], row: Row): void {
    table.push({ TimeGenerated: new Date().toISOString(), ...row });
  }

  function finish(execution: ExecutionRecord, status: ExecutionRecord['status']): void {
    execution.status = status;
    execution.endTime = new Date().toISOString();
  }

  function runReplica(execution: ExecutionRecord, config: { replicaTimeout: number; replicaRetryLimit: number }, attempt: number): void {
    const replica = `${execution.name}-${random(5)}`;
    const container = execution.template.containers[0]!;
    const system = (reason: string, message: string, type = 'Normal'): void => log(host.system, { ContainerJobName_s: execution.job, ReplicaName_s: replica, Reason_s: reason, Log_s: message, Type_s: type });
    const project = host.resolveImage(container.image);
    const inPodman = spawnSync('podman', ['image', 'exists', container.image], { stdio: 'ignore' }).status === 0;
    system('PullingImage', `Pulling image "${container.image}"`);
    if (!project && !inPodman) {
      system('ErrImagePull', `Failed to pull image "${container.image}": manifest unknown`, 'Warning');
      system('ImagePullBackOff', `Back-off pulling image "${container.image}"`, 'Warning');
      finish(execution, 'Failed');
      return;
    }
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-azure-replica-'));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workspace, LANG: 'C.UTF-8', HANDOFF_GRACE_SECONDS: '1', ...host.platformEnv() };
    // What Container Apps sets in a job's replica: the job, the execution and the replica's names.
    Object.assign(env, { CONTAINER_APP_JOB_NAME: execution.job, CONTAINER_APP_JOB_EXECUTION_NAME: execution.name, CONTAINER_APP_REPLICA_NAME: replica });
    for (const e of container.env ?? []) env[e.name] = e.value ?? '';
    system('ContainerStarted', `Started container '${container.name}'`);
    // The values go in podman's own environment and to the container by name (-e NAME), never on its command line.
    const names = Object.keys(env).filter((k) => k !== 'PATH' && k !== 'HOME');
    const child = inPodman
      ? spawn('podman', ['run', '--rm', '--pull=never', '--network', 'host', '--name', replica, '-v', `${host.caFile}:${host.caFile}:ro`, ...names.flatMap((k) => ['-e', k]), container.image], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [host.handoffBin, 'run', '-p', project!, '-w', workspace, '-a'], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.set(execution.name, child);
    let timedOut = false;
    const kill = (): void => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, config.replicaTimeout * 1000);
    (child as ChildProcess & { handoffStop?: () => void }).handoffStop = kill;
    for (const [stream, name] of [
      [child.stdout!, 'stdout'],
      [child.stderr!, 'stderr'],
    ] as const) {
      let rest = '';
      stream.on('data', (d: Buffer) => {
        const text = rest + d.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) log(host.console, { ContainerJobName_s: execution.job, ContainerGroupName_s: replica, ContainerName_s: container.name, Stream_s: name, Log_s: line });
      });
      stream.on('end', () => {
        if (rest) log(host.console, { ContainerJobName_s: execution.job, ContainerGroupName_s: replica, ContainerName_s: container.name, Stream_s: name, Log_s: rest });
      });
    }
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(execution.name);
      // A podman client killed before its container stopped leaves the container behind.
      if (inPodman) spawnSync('podman', ['rm', '-f', '--ignore', replica], { stdio: 'ignore' });
      fs.rmSync(workspace, { recursive: true, force: true });
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
      system('ContainerTerminated', `Container '${container.name}' was terminated with exit code '${exitCode}'`, exitCode === 0 ? 'Normal' : 'Warning');
      if (execution.stopping) return finish(execution, 'Stopped');
      if (timedOut) {
        system('DeadlineExceeded', `Job was active longer than specified deadline (${config.replicaTimeout} s)`, 'Warning');
        return finish(execution, 'Failed');
      }
      if (exitCode === 0) return finish(execution, 'Succeeded');
      if (attempt < config.replicaRetryLimit) return runReplica(execution, config, attempt + 1);
      finish(execution, 'Failed');
    });
  }

  return {
    /** Starts an execution of `job` with its (possibly overridden) template; it runs in the background. */
    start(job: { name: string; id: string; replicaTimeout: number; replicaRetryLimit: number }, template: { containers: ContainerSpec[] }): ExecutionRecord {
      const name = `${job.name}-${random(7)}`;
      const execution: ExecutionRecord = { name, id: `${job.id}/executions/${name}`, job: job.name, status: 'Running', startTime: new Date().toISOString(), template };
      setImmediate(() => runReplica(execution, job, 0));
      return execution;
    },
    stop(execution: ExecutionRecord): void {
      if (execution.status !== 'Running' && execution.status !== 'Processing') return;
      execution.stopping = true;
      const child = running.get(execution.name) as (ChildProcess & { handoffStop?: () => void }) | undefined;
      if (child?.handoffStop) child.handoffStop();
      else finish(execution, 'Stopped');
    },
    /** Ends every replica still running (the emulator is closing). */
    stopAll(): Promise<void> {
      const waits = [...running.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('close', () => resolve());
            (child as ChildProcess & { handoffStop?: () => void }).handoffStop?.();
          }),
      );
      return Promise.all(waits).then(() => undefined);
    },
  };
}
