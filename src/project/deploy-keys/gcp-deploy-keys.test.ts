// Tests of the gcp deploy keys: deploy.service_account takes any service account's email, Google's own included.
import { describe, expect, it } from 'vitest';
import { UserError, formatDiagnostic } from '../../errors.js';
import { parseProject } from '../parse-project.js';

const file = '/p/project.yml';
const gcp = (serviceAccount: string): string =>
  `tasks:\n  - name: t\n    commands:\n      - command: "true"\ndeploy:\n  cloud_provider: gcp\n  gcp_project: acme-data\n  region: europe-west1\n  service_account: ${serviceAccount}\n`;

function problems(text: string): string[] {
  try {
    return parseProject(text, file, '/p').warnings.map(formatDiagnostic);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).diagnostics.map(formatDiagnostic);
  }
}

describe('gcp deploy.service_account', () => {
  it('accepts the Compute Engine default account and Google-managed accounts, which exist without handoff making them', () => {
    for (const email of ['123456789012-compute@developer.gserviceaccount.com', 'service-123456789012@gcp-sa-cloudscheduler.iam.gserviceaccount.com', 'runner@acme-data.iam.gserviceaccount.com']) {
      expect(problems(gcp(email)), email).toEqual([]);
    }
  });

  it('refuses what is not a service account email, located, with the forms to write', () => {
    for (const email of ['runner@example.com', 'runner', 'Runner@acme-data.iam.gserviceaccount.com']) {
      expect(problems(gcp(email))).toEqual([
        `error: /p/project.yml:9:20: deploy.service_account: deploy.service_account "${email}" is not a service account email (write the account's email, e.g. <name>@<project>.iam.gserviceaccount.com or <project number>-compute@developer.gserviceaccount.com)`,
      ]);
    }
  });
});
