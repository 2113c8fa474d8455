// Writes the text of a project.yml with many tasks of every kind, as a large real project would look.

/** A project with `count` top-level tasks cycling through pipelines, commands, foreach, fork and nested tasks. */
export function generateLargeProject(count: number): string {
  const lines = [
    'version: 0.3',
    `description: ${count} tasks of every kind, for the project-size benchmark`,
    'vars:',
    ...Array.from({ length: 20 }, (_, i) => [`  - key: var_${i}`, `    value: value-${i}`]).flat(),
    'envs:',
    ...Array.from({ length: 10 }, (_, i) => [`  - key: ENV_${i}`, `    value: env-${i}`]).flat(),
    'tasks:',
  ];
  for (let i = 0; i < count; i++) {
    const name = `task_${String(i).padStart(4, '0')}`;
    lines.push(`  - name: ${name}`, `    description: task number ${i}`);
    switch (i % 5) {
      case 0:
        lines.push(
          '    pipeline:',
          '      - command: cat',
          `        args: files/input_${i % 20}.csv`,
          '      - command: grep',
          `        args: -v "{{ var_${i % 20} }}"`,
          '      - command: sort',
          '        args: -u',
        );
        break;
      case 1:
        lines.push(
          '    timeout: 600',
          '    retries: 1',
          '    commands:',
          '      - command: mkdir',
          `        args: -p artifacts/${name}`,
          '      - command: echo',
          `        args: "{{ _stage }} {{ var_${i % 20} }} > artifacts/${name}/out.txt"`,
        );
        break;
      case 2:
        lines.push(
          '    pipeline:',
          '      - command: seq',
          '        args: 1 10',
          '      - foreach:',
          `          - name: ${name}_each`,
          '            commands:',
          '              - command: echo',
          '                args: "{{ _line }}"',
          '        parallel: 2',
        );
        break;
      case 3:
        lines.push(
          '    pipeline:',
          '      - command: cat',
          `        args: files/input_${i % 20}.csv`,
          '      - fork:',
          `          - name: ${name}_count`,
          '            pipeline:',
          '              - command: wc',
          '                args: -l',
          `          - name: ${name}_head`,
          '            pipeline:',
          '              - command: head',
          '                args: -n 5',
        );
        break;
      default:
        lines.push(
          '    kill_downstream_on_fail: false',
          '    tasks:',
          `      - name: ${name}_first`,
          '        commands:',
          '          - command: "true"',
          `      - name: ${name}_second`,
          '        active: false',
          '        commands:',
          '          - command: "false"',
        );
    }
  }
  return `${lines.join('\n')}\n`;
}
