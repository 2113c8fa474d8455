// Cloud Monitoring through @google-cloud/monitoring: the task's alert policy and its email notification channel.
import type { GoogleAuth } from 'google-auth-library';
import { AlertPolicyServiceClient, NotificationChannelServiceClient, type protos } from '@google-cloud/monitoring';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isNotFound } from './gcp-errors.js';

export type AlertPolicy = protos.google.monitoring.v3.IAlertPolicy;
export type NotificationChannel = protos.google.monitoring.v3.INotificationChannel;

export interface CloudMonitoringApi {
  /** Alert policies whose user label `key` is `value` (handoff labels its own). */
  findAlertPolicies(key: string, value: string): Promise<AlertPolicy[]>;
  createAlertPolicy(policy: AlertPolicy): Promise<AlertPolicy>;
  updateAlertPolicy(policy: AlertPolicy): Promise<void>;
  deleteAlertPolicy(name: string): Promise<boolean>;
  findNotificationChannels(key: string, value: string): Promise<NotificationChannel[]>;
  createNotificationChannel(channel: NotificationChannel): Promise<NotificationChannel>;
  updateNotificationChannel(channel: NotificationChannel): Promise<void>;
  deleteNotificationChannel(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createCloudMonitoringApi(config: GcpClientConfig, auth: GoogleAuth): CloudMonitoringApi {
  const options = toGaxOptions(config, auth);
  const alerts = new AlertPolicyServiceClient(options);
  const channels = new NotificationChannelServiceClient(options);
  const project = `projects/${config.project}`;
  const byLabel = (key: string, value: string): string => `user_labels.${key} = "${value}"`;
  const ignoreMissing = async (call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };

  return {
    findAlertPolicies: (key, value) => callGcp('list alert policies', async () => (await alerts.listAlertPolicies({ name: project, filter: byLabel(key, value) }))[0]),
    createAlertPolicy: (policy) => callGcp(`create the alert policy "${policy.displayName}"`, async () => (await alerts.createAlertPolicy({ name: project, alertPolicy: policy }))[0]),
    updateAlertPolicy: (policy) => callGcp(`update the alert policy "${policy.displayName}"`, async () => void (await alerts.updateAlertPolicy({ alertPolicy: policy }))),
    deleteAlertPolicy: (name) => callGcp(`delete the alert policy ${name}`, () => ignoreMissing(() => alerts.deleteAlertPolicy({ name }))),
    findNotificationChannels: (key, value) =>
      callGcp('list notification channels', async () => (await channels.listNotificationChannels({ name: project, filter: byLabel(key, value) }))[0]),
    createNotificationChannel: (channel) =>
      callGcp(`create the notification channel "${channel.displayName}"`, async () => (await channels.createNotificationChannel({ name: project, notificationChannel: channel }))[0]),
    updateNotificationChannel: (channel) =>
      callGcp(`update the notification channel "${channel.displayName}"`, async () => void (await channels.updateNotificationChannel({ notificationChannel: channel }))),
    deleteNotificationChannel: (name) => callGcp(`delete the notification channel ${name}`, () => ignoreMissing(() => channels.deleteNotificationChannel({ name, force: true }))),
    async close() {
      await Promise.all([alerts.close(), channels.close()]);
    },
  };
}
