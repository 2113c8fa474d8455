// The azurerm Terraform export from fixed inputs: one resource name per target_id, and the marks `cloud deploy` puts on what it makes.
// `terraform validate` needs the hashicorp/azurerm provider, which is not installed offline here; fmt needs none.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProject } from '../../../project/parse-project.js';
import { createAzureNames } from '../names.js';
import { createAzureTerraformConfig } from './terraform-export.js';

const yml = `tasks:
  - name: t
    commands:
      - command: echo
deploy:
  cloud_provider: azure
  subscription_id: 0b1f6471-1bf0-4dda-aec3-cb9272f09590
  resource_group_name: rg-data
  location: westeurope
  registry: acme.azurecr.io
  resource_group: etl
  task: rates
  alarm_email: oncall@example.com
schedules:
  - target_id: nightly-load
    cron: "0 1 * * ? *"
  - target_id: nightly_load
    cron: "0 2 * * ? *"
  - target_id: paris
    cron: "0 6 ? * MON-FRI *"
    timezone: Europe/Paris
`;

function render(bucket?: string): string {
  const { project } = parseProject(yml, '/p/project.yml', '/p');
  const names = createAzureNames({ resourceGroup: 'etl', task: 'rates', stage: 'dev', subscriptionId: '0b1f6471-1bf0-4dda-aec3-cb9272f09590', azureResourceGroup: 'rg-data', location: 'westeurope', registry: 'acme.azurecr.io', ...(bucket ? { bucket } : {}) });
  return createAzureTerraformConfig({ names, deploy: project.deploy, schedules: project.schedules, image: names.imageUri('0.1') });
}

/** `type name` of every resource block, in order. */
function resources(text: string): string[] {
  return [...text.matchAll(/^resource "([^"]+)" "([^"]+)"/gm)].map(([, type, name]) => `${type} ${name}`);
}

/** The body of one resource block. */
function block(text: string, type: string, name: string): string {
  const start = text.indexOf(`resource "${type}" "${name}" {`);
  expect(start, `${type}.${name}`).toBeGreaterThanOrEqual(0);
  return text.slice(start, text.indexOf('\n}\n', start));
}

describe('azurerm terraform export', () => {
  it('names each schedule after its exact target_id, so nightly-load and nightly_load are two jobs, as deploy makes them', () => {
    const text = render();
    const all = resources(text);
    expect(all.length).toBe(new Set(all).size);
    expect(all).toContain('azurerm_container_app_job schedule_nightly-load');
    expect(all).toContain('azurerm_container_app_job schedule_nightly_load');
    expect(block(text, 'azurerm_container_app_job', 'schedule_nightly-load')).toMatch(/handoff-target-id += "nightly-load"/);
    expect(block(text, 'azurerm_container_app_job', 'schedule_nightly_load')).toMatch(/handoff-target-id += "nightly_load"/);
    expect(all).toEqual(expect.arrayContaining(['azurerm_logic_app_workflow schedule_paris', 'azurerm_role_assignment schedule_paris_start']));
  });

  it('marks the store handoff-managed and the container with its owner, and tags the environment and alert as the task\'s', () => {
    const text = render();
    for (const [type, name] of [
      ['azurerm_resource_group', 'main'],
      ['azurerm_storage_account', 'store'],
      ['azurerm_key_vault', 'secrets'],
    ]) {
      expect(block(text, type!, name!)).toMatch(/tags += \{\n\s+handoff-managed = "true"\n\s+\}/);
    }
    expect(block(text, 'azurerm_storage_container', 'store')).toMatch(/metadata += \{\n\s+handoffowner = "dev\/etl"\n\s+\}/);
    for (const [type, name] of [
      ['azurerm_log_analytics_workspace', 'logs'],
      ['azurerm_container_app_environment', 'env'],
      ['azurerm_monitor_action_group', 'alarm'],
      ['azurerm_monitor_scheduled_query_rules_alert_v2', 'failed_runs'],
    ]) {
      expect(block(text, type!, name!)).toMatch(/tags += \{\n\s+handoff-resource-group = "dev-etl"\n\s+handoff-task += "rates"\n\s+\}/);
    }
    // deploy.bucket names a container of the user's: handoff puts no owner mark on it.
    expect(block(render('mine'), 'azurerm_storage_container', 'store')).not.toContain('metadata');
  });

  it.skipIf(spawnSync('terraform', ['version'], { stdio: 'ignore' }).status !== 0)('is left unchanged by terraform fmt', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-azure-tf-'));
    try {
      fs.writeFileSync(path.join(dir, 'main.tf'), render());
      const result = spawnSync('terraform', ['fmt', '-check', '-diff', '-no-color'], { cwd: dir, encoding: 'utf8' });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
