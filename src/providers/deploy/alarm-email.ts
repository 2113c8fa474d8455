// `deploy.alarm_email`, checked alike by every cloud that mails failure alerts (SNS on AWS, action groups on Azure).
import { UserError } from '../../errors.js';

/** Checks `deploy.alarm_email`: one address, which the cloud would otherwise refuse late or mail to nobody. */
export function validateAlarmEmail(email: string): void {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    const fix = 'set deploy.alarm_email to one address such as data-team@example.com';
    throw new UserError(`deploy.alarm_email "${email}" is not an e-mail address`, {
      fix,
      diagnostics: [{ severity: 'error', message: 'not an e-mail address', path: 'deploy.alarm_email', hint: fix }],
    });
  }
}
