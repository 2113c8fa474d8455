// The process-tree CPU reading: what `times` prints, parsed, and read from a real tree of processes.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseChildrenCpuMs, TREE_CPU_PREFIX } from './tree-cpu.js';

describe('parseChildrenCpuMs', () => {
  it("adds the children's user and system time of dash's and ksh's formats", () => {
    expect(parseChildrenCpuMs('0m0.000000s 0m0.000000s\n0m0.400000s 0m0.490000s\n')).toBeCloseTo(890, 6);
    expect(parseChildrenCpuMs('0m0.01s 0m0.00s\n1m2.50s 0m0.25s')).toBeCloseTo(62_750, 6);
  });

  it('refuses output that is not two lines of `times`', () => {
    expect(() => parseChildrenCpuMs('0m0.400000s 0m0.490000s')).toThrow(/unexpected output/);
    expect(() => parseChildrenCpuMs('x\n0m0.4s 12')).toThrow(/not a `times` field/);
  });
});

describe('TREE_CPU_PREFIX', () => {
  const [shell, ...args] = TREE_CPU_PREFIX;
  const run = (script: string) => spawnSync(shell, [...args, '/bin/sh', '-c', script], { encoding: 'utf8' });

  it('reads the CPU of a grandchild, hides the command output and keeps its exit status', () => {
    // The busy loop runs in a grandchild: /bin/sh (the prefix) → /bin/sh -c → sh -c (the loop).
    const done = run('echo noise; sh -c \'i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done\'; exit 3');
    expect(done.status).toBe(3);
    expect(done.stdout).not.toContain('noise');
    expect(parseChildrenCpuMs(done.stdout)).toBeGreaterThan(0);
  });

  it('reads next to nothing for a tree that only sleeps', () => {
    const done = run('sleep 0.2');
    expect(done.status).toBe(0);
    expect(parseChildrenCpuMs(done.stdout)).toBeLessThan(100);
  });
});
