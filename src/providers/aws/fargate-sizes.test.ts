// Tests of Fargate cpu/memory/storage validation against AWS's published table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { listFargateCpus, listFargateMemories, validateFargateSize } from './fargate-sizes.js';

describe('Fargate sizes', () => {
  it('knows AWS table of cpu → memory values', () => {
    expect(listFargateCpus()).toEqual([256, 512, 1024, 2048, 4096, 8192, 16384]);
    expect(listFargateMemories(256)).toEqual([512, 1024, 2048]);
    expect(listFargateMemories(512)).toEqual([1024, 2048, 3072, 4096]);
    expect(listFargateMemories(1024)).toEqual([2048, 3072, 4096, 5120, 6144, 7168, 8192]);
    const of2048 = listFargateMemories(2048);
    expect([of2048[0], of2048.at(-1), of2048.length]).toEqual([4096, 16384, 13]);
    const of4096 = listFargateMemories(4096);
    expect([of4096[0], of4096.at(-1), of4096.length]).toEqual([8192, 30720, 23]);
    const of8192 = listFargateMemories(8192);
    expect([of8192[0], of8192[1], of8192.at(-1)]).toEqual([16384, 20480, 61440]);
    const of16384 = listFargateMemories(16384);
    expect([of16384[0], of16384[1], of16384.at(-1)]).toEqual([32768, 40960, 122880]);
    expect(listFargateMemories(300)).toEqual([]);
  });

  it('defaults to 256 cpu and 512 MiB', () => {
    expect(validateFargateSize({})).toEqual({ cpu: 256, memory: 512 });
  });

  it('fills a missing memory with the smallest valid one, and a missing cpu with the smallest that fits', () => {
    expect(validateFargateSize({ cpu: 2048 })).toEqual({ cpu: 2048, memory: 4096 });
    expect(validateFargateSize({ memory: 3072 })).toEqual({ cpu: 512, memory: 3072 });
    expect(validateFargateSize({ memory: 20480 })).toEqual({ cpu: 4096, memory: 20480 });
    expect(() => validateFargateSize({ memory: 1000 })).toThrow(/not a Fargate memory value for any cpu/);
  });

  it('rejects an invalid pair with the valid memory values of that cpu', () => {
    let error: unknown;
    try {
      validateFargateSize({ cpu: 512, memory: 512 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const e = error as UserError;
    expect(e.message).toBe('deploy.memory 512 MiB is not valid with deploy.cpu 512 on Fargate');
    expect(e.fix).toBe('with cpu 512, memory must be one of 1024, 2048, 3072, 4096 (MiB)');
    expect(e.diagnostics[0]!.path).toBe('deploy.memory');
    expect(() => validateFargateSize({ cpu: 8192, memory: 18432 })).toThrow(UserError);
  });

  it('rejects a cpu Fargate does not have, listing the valid ones', () => {
    expect(() => validateFargateSize({ cpu: 3000 })).toThrow(/deploy.cpu 3000 is not a Fargate cpu value/);
    try {
      validateFargateSize({ cpu: 3000 });
    } catch (e) {
      expect((e as UserError).fix).toBe('use one of 256, 512, 1024, 2048, 4096, 8192, 16384 (1024 = 1 vCPU)');
    }
  });

  it('accepts exactly the listed pairs', () => {
    fc.assert(
      fc.property(fc.constantFrom(...listFargateCpus()), fc.integer({ min: 1, max: 130_000 }), (cpu, memory) => {
        const valid = listFargateMemories(cpu).includes(memory);
        if (valid) expect(validateFargateSize({ cpu, memory })).toEqual({ cpu, memory });
        else expect(() => validateFargateSize({ cpu, memory })).toThrow(UserError);
      }),
    );
  });

  it('passes ephemeral storage through from 21 to 200 GiB and treats 20 as the default', () => {
    expect(validateFargateSize({ storage: 21 })).toEqual({ cpu: 256, memory: 512, storage: 21 });
    expect(validateFargateSize({ storage: 200 })).toEqual({ cpu: 256, memory: 512, storage: 200 });
    expect(validateFargateSize({ storage: 20 })).toEqual({ cpu: 256, memory: 512 });
    for (const storage of [0, 19, 201, 30.5]) {
      expect(() => validateFargateSize({ storage })).toThrow(/deploy.storage/);
    }
  });
});
