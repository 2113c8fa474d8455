// A real "process stuck in the kernel" for tests: a cgroup freezer holds it where even SIGKILL waits, as stuck I/O would.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const V1 = '/sys/fs/cgroup/freezer';
/** cgroup v2: the unified hierarchy itself, or its mount beside v1 controllers (a hybrid host). */
const V2_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];

/** A cgroup made for one test: `freezeScript` moves a shell's background job ($!) into it and freezes it. */
export interface FreezerCgroup {
  dir: string;
  /** Shell text: moves the process whose pid is `$!` into the cgroup and returns once it is frozen. */
  freezeScript: string;
  thaw(): void;
  /** Thaws it, waits (up to 10 s) for its processes to be gone, and removes it. */
  remove(): Promise<void>;
}

export interface Freezer {
  /** The cgroup to make one in, or why none can be used here (a test then skips with it). */
  make?: () => FreezerCgroup;
  skipReason?: string;
}

function writable(root: string, marker: string): boolean {
  const probe = path.join(root, `handoff-probe-${process.pid}`);
  try {
    if (!fs.existsSync(path.join(root, marker))) return false;
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

function empty(dir: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === '';
  } catch {
    return true;
  }
}

function cgroupOf(kind: 'v1' | 'v2', root: string): () => FreezerCgroup {
  return () => {
    const dir = path.join(root, `handoff-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
    fs.mkdirSync(dir);
    const thaw = (): void => {
      try {
        if (kind === 'v1') fs.writeFileSync(path.join(dir, 'freezer.state'), 'THAWED');
        else fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
      } catch {
        // removed already
      }
    };
    const freezeScript =
      kind === 'v1'
        ? `echo $! > ${dir}/cgroup.procs && echo FROZEN > ${dir}/freezer.state && until grep -q FROZEN ${dir}/freezer.state; do sleep 0.05; done`
        : `echo $! > ${dir}/cgroup.procs && echo 1 > ${dir}/cgroup.freeze && until grep -q 'frozen 1' ${dir}/cgroup.events; do sleep 0.05; done`;
    return {
      dir,
      freezeScript,
      thaw,
      remove: async () => {
        thaw();
        await waitUntil(() => empty(dir), 10_000);
        fs.rmdirSync(dir);
      },
    };
  };
}

/**
 * Whether a cgroup v2 freeze holds a process against SIGKILL here. Linux's v2 freezer lets a fatal signal through (a
 * frozen process dies at once: measured on 6.18), unlike v1's, so it can stand for "stuck in the kernel" only where
 * it does not.
 */
async function v2HoldsSigkill(root: string): Promise<boolean> {
  const group = cgroupOf('v2', root)();
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    fs.writeFileSync(path.join(group.dir, 'cgroup.procs'), String(child.pid));
    fs.writeFileSync(path.join(group.dir, 'cgroup.freeze'), '1');
    await waitUntil(() => fs.readFileSync(path.join(group.dir, 'cgroup.events'), 'utf8').includes('frozen 1'), 5_000);
    child.kill('SIGKILL');
    return await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 500))]);
  } catch {
    return false;
  } finally {
    child.kill('SIGKILL');
    await group.remove().catch(() => undefined);
  }
}

/** The cgroup v1 freezer when writable, else a cgroup v2 freeze that holds against SIGKILL, else the reason for neither. */
export async function findFreezer(): Promise<Freezer> {
  if (writable(V1, 'cgroup.procs')) return { make: cgroupOf('v1', V1) };
  const v2 = V2_ROOTS.find((root) => writable(root, 'cgroup.procs') && fs.existsSync(path.join(root, 'cgroup.subtree_control')));
  if (!v2) return { skipReason: 'no writable cgroup freezer here (cgroup v1 freezer nor cgroup v2): nothing can hold a process in the kernel' };
  if (await v2HoldsSigkill(v2)) return { make: cgroupOf('v2', v2) };
  return {
    skipReason:
      "cgroup v1's freezer is not writable here and cgroup v2's cgroup.freeze lets SIGKILL through (the probe's frozen process died at once): nothing here holds a process in the kernel, so no launcher gives up",
  };
}
