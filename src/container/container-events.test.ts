import { describe, expect, it } from 'vitest';
import { parseBuildStep, parseInnerLogLine } from './container-events.js';

describe('parseBuildStep', () => {
  it('reads the step lines of podman, BuildKit and the legacy docker builder', () => {
    expect(parseBuildStep('STEP 3/14: COPY handoff/ /opt/handoff/')).toEqual({ step: 3, total: 14, instruction: 'COPY handoff/ /opt/handoff/' });
    expect(parseBuildStep('#7 [3/9] RUN handoff --version')).toEqual({ step: 3, total: 9, instruction: 'RUN handoff --version' });
    expect(parseBuildStep('#7 [stage-0 2/9] COPY a b')).toEqual({ step: 2, total: 9, instruction: 'COPY a b' });
    expect(parseBuildStep('Step 1/5 : FROM debian')).toEqual({ step: 1, total: 5, instruction: 'FROM debian' });
  });

  it('leaves other output alone', () => {
    for (const line of ['--> Using cache 1234', '#7 DONE 0.3s', '#1 [internal] load build definition from Dockerfile', 'Successfully tagged x:0.1', '']) {
      expect(parseBuildStep(line)).toBeUndefined();
    }
  });
});

describe('parseInnerLogLine', () => {
  it('keeps the level of a line logged by the handoff inside a build step', () => {
    expect(parseInnerLogLine('[2026-12-06 19:01:02]  WARNING - undefined variable "API_KEY" in files/config.json (renders as empty)')).toEqual({
      level: 'warning',
      text: 'undefined variable "API_KEY" in files/config.json (renders as empty)',
    });
    expect(parseInnerLogLine('[2026-12-06 19:01:02]     INFO - Creating venv tap at /workspace/tap')).toEqual({ level: 'info', text: 'Creating venv tap at /workspace/tap' });
    expect(parseInnerLogLine('#9 1.204 [2026-12-06 19:01:02]    ERROR - install failed')).toEqual({ level: 'error', text: 'install failed' });
    expect(parseInnerLogLine('[2026-12-06 19:01:02] CRITICAL - boom')?.level).toBe('error');
  });

  it('leaves other output alone', () => {
    for (const line of ['Successfully installed requests-2.31.0', 'WARNING: pip is out of date', '--> Using cache 1234', '']) expect(parseInnerLogLine(line)).toBeUndefined();
  });
});
