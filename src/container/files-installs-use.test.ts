import { describe, expect, it } from 'vitest';
import { parseProject } from '../project/parse-project.js';
import { findFilesInstallsUse } from './files-installs-use.js';

function use(yml: string): string[] {
  const { project } = parseProject(yml, 'project.yml', '/p');
  return findFilesInstallsUse(project, project.installs);
}

describe('findFilesInstallsUse', () => {
  it('names the paths under files/ that install commands and the envs and vars they get name', () => {
    const yml = [
      'envs:',
      '  - key: PIP_FIND_LINKS',
      '    value: ./files/wheels',
      '  - key: API_KEY',
      'vars:',
      '  - key: extra',
      '    value: files/pkgs/*.whl',
      'installs:',
      '  - venv: tap',
      '    command: pip install --no-index --find-links ./files/wheels requests',
      '  - venv: target',
      "    command: pip install --no-index './files/mytarget' {{ extra }}",
      'tasks: []',
      '',
    ].join('\n');
    expect(use(yml)).toEqual(['mytarget', 'pkgs', 'wheels']);
  });

  it('is empty when no install reads files/, and all of files/ for a mention it cannot resolve', () => {
    expect(use('installs:\n  - venv: a\n    command: pip install requests\n')).toEqual([]);
    expect(use('installs:\n  - venv: a\n    command: cd files && pip install .\n')).toEqual(['']);
    expect(use('installs:\n  - venv: a\n    command: pip install $PWD/files/x\n')).toEqual(['']);
    expect(use('vars:\n  - key: d\n    value: x\ninstalls:\n  - venv: a\n    command: pip install ./files/{{ d }}\n')).toEqual(['']);
  });
});
