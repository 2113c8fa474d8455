// The Terraform export of a Google Cloud deploy from fixed inputs: a golden file, and `terraform fmt` clean.
// Refresh the golden after an intended change with:  npx vitest run -u src/providers/gcp/export
// `terraform validate` needs the hashicorp/google provider, which cannot be installed offline here (only the AWS
// provider has a local mirror), so the configuration is checked by fmt, the golden and the deploy test's resources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../project/parse-project.js';
import { renderFile } from '../../deploy/hcl.js';
import { createGcpNames } from '../names.js';
import { createTerraformBlocks } from './terraform-export.js';

const yml = `tasks:
  - name: t
    commands:
      - command: echo
deploy:
  cloud_provider: gcp
  gcp_project: acme-data
  region: europe-west1
  resource_group: etl
  task: rates
  cpu: 2048
  memory: 4096
  task_timeout: 7200
  max_retries: 1
  network: default
  subnetwork: data
  alarm_email: oncall@example.com
  notification_channels:
    - projects/acme-data/notificationChannels/42
schedules:
  - target_id: 1
    cron: "0 6 ? * MON-FRI *"
    timezone: Europe/Paris
    envs:
      - key: __VARS
        value: start=$(date -I) x=\${HOME}
  - target_id: nightly
    cron: "@daily"
    enabled: false
`;

function render(): string {
  const { project } = parseProject(yml, '/p/project.yml', '/p');
  const names = createGcpNames({ resourceGroup: 'etl', task: 'rates', stage: 'prod', project: 'acme-data', region: 'europe-west1' });
  return renderFile(createTerraformBlocks(names, project, names.imageUri('0.3')));
}

function hasTerraform(): boolean {
  return spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
}

describe('terraform export (google provider)', () => {
  it('matches its golden', async () => {
    await expect(render()).toMatchFileSnapshot('./golden/full.main.tf');
  });

  it('keeps shell expressions of a schedule literal and references what it makes', () => {
    const text = render();
    expect(text).toContain('value = "start=$(date -I) x=$${HOME}"');
    expect(text).toContain('member = format("serviceAccount:%s", google_service_account.task.email)');
    expect(text).toContain('notification_channels = ["projects/acme-data/notificationChannels/42", google_monitoring_notification_channel.email.name]');
  });

  it('names each schedule after its exact target_id, so nightly-load and nightly_load are two resources, as deploy makes them', () => {
    const pair = yml.replace('  - target_id: nightly\n', '  - target_id: nightly-load\n    cron: "0 1 * * ? *"\n  - target_id: nightly_load\n');
    const { project } = parseProject(pair, '/p/project.yml', '/p');
    const names = createGcpNames({ resourceGroup: 'etl', task: 'rates', stage: 'prod', project: 'acme-data', region: 'europe-west1' });
    const text = renderFile(createTerraformBlocks(names, project, names.imageUri('0.3')));
    const resources = [...text.matchAll(/^resource "([^"]+)" "([^"]+)"/gm)].map(([, type, name]) => `${type}.${name}`);
    expect(resources.length).toBe(new Set(resources).size);
    expect(resources.filter((r) => r.startsWith('google_cloud_scheduler_job.'))).toEqual([
      'google_cloud_scheduler_job.target_1',
      'google_cloud_scheduler_job.target_nightly-load',
      'google_cloud_scheduler_job.target_nightly_load',
    ]);
    expect(text).toContain('name        = "handoff_etl_rates_nightly-load"');
    expect(text).toContain('name        = "handoff_etl_rates_nightly_load"');
  });

  it.skipIf(!hasTerraform())('is left unchanged by terraform fmt', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-gcp-tf-'));
    try {
      fs.writeFileSync(path.join(dir, 'main.tf'), render());
      const result = spawnSync('terraform', ['fmt', '-check', '-diff', '-no-color'], { cwd: dir, encoding: 'utf8' });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
