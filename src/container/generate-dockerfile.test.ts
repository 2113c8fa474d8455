// Golden Dockerfiles of example projects. Refresh after an intended change with:  npx vitest run -u src/container
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadProject } from '../project/load-project.js';
import { parseProject } from '../project/parse-project.js';
import { createInstallProjects } from './create-install-projects.js';
import { generateDockerfile } from './generate-dockerfile.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const options = { baseImage: 'localhost/handoff-base:bookworm-node20-r1', imageName: 'exchange-rates', imageVersion: '0.3', handoffVersion: '1.2.3' };

describe('generateDockerfile', () => {
  it('writes one cached layer per install, then the project, with tini and `handoff run` as the command', async () => {
    const { project } = await loadProject(path.join(examples, 'exchange-rates'));
    const dockerfile = generateDockerfile(project, options);
    await expect(dockerfile).toMatchFileSnapshot('golden/exchange-rates.Dockerfile');
    // The install steps come before the project copy, so editing tasks rebuilds no venv.
    const installAt = dockerfile.lastIndexOf('RUN handoff workspace install');
    expect(installAt).toBeGreaterThan(0);
    expect(dockerfile.indexOf('COPY project/ /project/')).toBeGreaterThan(installAt);
    expect(dockerfile.match(/^RUN handoff workspace install/gm)).toHaveLength(2);
  });

  it('needs no install layers for a project without installs', async () => {
    const { project } = await loadProject(path.join(examples, 'word-count'));
    const dockerfile = generateDockerfile(project, { ...options, imageName: 'word-count' });
    await expect(dockerfile).toMatchFileSnapshot('golden/word-count.Dockerfile');
    expect(dockerfile).not.toContain('workspace install');
    expect(dockerfile).toContain('FROM localhost/handoff-base:bookworm-node20-r1\n');
    expect(dockerfile).toContain('ENTRYPOINT ["tini", "--", "handoff"]\nCMD ["run","-p","/project","-w","/workspace","-a"]\n');
  });

  it('keeps a multi-line install command inside its comment', () => {
    const { project } = parseProject('installs:\n  - venv: a\n    command: |\n      pip install x\n      RUN rm -rf /\n', 'project.yml', '/p');
    const dockerfile = generateDockerfile(project, options);
    expect(dockerfile).toContain('# venv a: pip install x RUN rm -rf /\n');
    expect(dockerfile).not.toMatch(/^RUN rm/m);
  });
});

describe('installs[].python in the image', () => {
  const yml = (python: string) => `installs:\n  - venv: legacy\n    python: ${python}\n    command: pip install tap-x\n`;

  it('checks that the base image has the interpreter before its install layer, and hands it to workspace install', () => {
    const { project } = parseProject(yml('python3.9'), 'project.yml', '/p');
    const dockerfile = generateDockerfile(project, options);
    const run = dockerfile.split('\n').find((l) => l.startsWith('RUN (command -v'));
    expect(run).toMatch(/^RUN \(command -v 'python3\.9' .*installs\[0\]\.python python3\.9 is not in the base image.*\) && handoff workspace install/);
    expect(JSON.parse(createInstallProjects(project)[0]!.replace(/^#.*\n/, '')).installs).toEqual([{ venv: 'legacy', python: 'python3.9', command: 'pip install tap-x' }]);
  });

  it('stops the layer with a clear message when the interpreter is missing, and passes when it is there', () => {
    const checkOf = (python: string): string => {
      const { project } = parseProject(yml(python), 'project.yml', '/p');
      const run = generateDockerfile(project, options).split('\n').find((l) => l.startsWith('RUN (command -v')) as string;
      return run.slice('RUN '.length, run.indexOf(' && handoff workspace install'));
    };
    const missing = spawnSync('/bin/sh', ['-c', checkOf('python3.99-not-here')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('installs[0].python python3.99-not-here is not in the base image; use a base image that has it');
    expect(spawnSync('/bin/sh', ['-c', checkOf('sh')]).status).toBe(0);
  });
});

describe('createInstallProjects', () => {
  it('holds the installs up to each step, vars, valued envs and deploy, and reads back as the same installs', async () => {
    const { project } = await loadProject(path.join(examples, 'exchange-rates'));
    const steps = createInstallProjects(project);
    expect(steps).toHaveLength(2);
    for (const [i, text] of steps.entries()) {
      const { project: stub } = parseProject(text, `installs/${i + 1}/project.yml`, '/project');
      expect(stub.installs).toEqual(project.installs.slice(0, i + 1).map((x) => ({ venv: x.venv, command: x.command })));
      expect(stub.vars).toEqual(project.vars.map((v) => ({ key: v.key, value: v.value })));
      expect(stub.deploy).toEqual(project.deploy);
      expect(stub.tasks).toEqual([]);
    }
    // A task change does not touch any step's text, so no install layer is rebuilt for it.
    const edited = parseProject(
      fs.readFileSync(path.join(examples, 'exchange-rates', 'project.yml'), 'utf8').replace('fetch_exchange_rates', 'fetch_rates'),
      'project.yml',
      project.dir,
    ).project;
    expect(createInstallProjects(edited)).toEqual(steps);
  });

  it('keeps values that YAML 1.1 would reinterpret (dates, yes/no) as they were', () => {
    const { project } = parseProject(
      'installs:\n  - command: echo {{ d }} {{ flag }}\nvars:\n  - key: d\n    value: "2024-01-01"\n  - key: flag\n    value: "no"\nenvs:\n  - key: SECRET_ONE\n  - key: PLAIN\n    value: "yes"\n',
      'project.yml',
      '/p',
    );
    const [text] = createInstallProjects(project);
    const { project: stub } = parseProject(text!, 'stub.yml', '/p');
    expect(stub.vars).toEqual([{ key: 'd', value: '2024-01-01' }, { key: 'flag', value: 'no' }]);
    // An env without a value is a secret's name: left out, since no secret exists at build time.
    expect(stub.envs).toEqual([{ key: 'PLAIN', value: 'yes' }]);
  });
});
