terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0"
    }
  }
}

provider "google" {
  project = "acme-data"
  region  = "europe-west1"
}

resource "google_storage_bucket" "store" {
  name                        = "handoff-etl-3b3aa76a"
  location                    = "EUROPE-WEST1"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels = {
    handoff-resource-group = "etl"
    handoff-stage          = "prod"
    handoff-owner          = "b9a7b66d75de"
  }
  versioning {
    enabled = true
  }
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_artifact_registry_repository" "images" {
  location      = "europe-west1"
  repository_id = "handoff"
  format        = "DOCKER"
  description   = "Images of handoff projects (handoff container push)"
  docker_config {
    immutable_tags = true
  }
}

resource "google_service_account" "scheduler" {
  account_id   = "ho-etl--sched"
  display_name = "handoff etl scheduler"
  description  = "Starts the Cloud Run jobs of handoff resource group etl on their schedules"
}

resource "google_service_account" "task" {
  account_id   = "ho-etl-rates"
  display_name = "handoff etl/rates"
  description  = "Runs the Cloud Run job handoff-etl-rates: its own bucket prefix and secrets only"
}

resource "google_storage_bucket_iam_member" "task_objects" {
  bucket = google_storage_bucket.store.name
  role   = "roles/storage.objectUser"
  member = format("serviceAccount:%s", google_service_account.task.email)
  condition {
    title       = "handoff rates objects"
    description = "Objects under rates/ of handoff etl/rates"
    expression  = "resource.name.startsWith(\"projects/_/buckets/handoff-etl-3b3aa76a/objects/rates/\")"
  }
}

resource "google_storage_bucket_iam_member" "task_listing" {
  bucket = google_storage_bucket.store.name
  role   = "roles/storage.objectViewer"
  member = format("serviceAccount:%s", google_service_account.task.email)
  condition {
    title       = "handoff rates listing"
    description = "Listing under rates/ of handoff etl/rates"
    expression  = "api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"rates/\")"
  }
}

resource "google_secret_manager_secret" "task" {
  secret_id = "handoff_etl_rates"
  labels = {
    handoff-resource-group = "etl"
    handoff-task           = "rates"
    handoff-stage          = "prod"
    handoff-owner          = "d5cbd986e0bb"
  }
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "task" {
  secret_id = google_secret_manager_secret.task.id
  role      = "roles/secretmanager.secretAccessor"
  member    = format("serviceAccount:%s", google_service_account.task.email)
}

resource "google_secret_manager_secret" "resource_group" {
  secret_id = "handoff_etl"
  labels = {
    handoff-resource-group = "etl"
    handoff-stage          = "prod"
    handoff-owner          = "b9a7b66d75de"
  }
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_iam_member" "resource_group" {
  secret_id = google_secret_manager_secret.resource_group.id
  role      = "roles/secretmanager.secretAccessor"
  member    = format("serviceAccount:%s", google_service_account.task.email)
}

resource "google_cloud_run_v2_job" "task" {
  name     = "handoff-etl-rates"
  location = "europe-west1"
  labels = {
    handoff-resource-group = "etl"
    handoff-task           = "rates"
    handoff-stage          = "prod"
    handoff-owner          = "d5cbd986e0bb"
  }
  template {
    task_count = 1
    template {
      service_account       = google_service_account.task.email
      max_retries           = 1
      timeout               = "7200s"
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"
      containers {
        name  = "handoff"
        image = "europe-west1-docker.pkg.dev/acme-data/handoff/rates:0.3"
        env {
          name  = "HO_STAGE"
          value = "prod"
        }
        resources {
          limits = {
            cpu    = "2"
            memory = "4096Mi"
          }
        }
      }
      vpc_access {
        network_interfaces {
          network    = "default"
          subnetwork = "data"
        }
        egress = "PRIVATE_RANGES_ONLY"
      }
    }
  }
}

resource "google_cloud_run_v2_job_iam_member" "scheduler" {
  name     = google_cloud_run_v2_job.task.name
  location = "europe-west1"
  role     = "roles/run.jobsExecutorWithOverrides"
  member   = format("serviceAccount:%s", google_service_account.scheduler.email)
}

resource "google_logging_metric" "failed_tasks" {
  name        = "handoff_etl_rates_failed_tasks"
  description = "Tasks of handoff etl/rates that ended with a non-zero exit code"
  filter      = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"handoff-etl-rates\" AND resource.labels.location=\"europe-west1\" AND textPayload:\"ended with exit code\" AND NOT textPayload:\"ended with exit code 0\" AND NOT textPayload:\"[handoff: stopped by a user]\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

resource "google_logging_metric" "timed_out" {
  name        = "handoff_etl_rates_timed_out"
  description = "Timeouts in runs of handoff etl/rates"
  filter      = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"handoff-etl-rates\" AND resource.labels.location=\"europe-west1\" AND textPayload:\"timed out\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }
}

resource "google_monitoring_notification_channel" "email" {
  display_name = "handoff etl/rates alarms"
  type         = "email"
  labels = {
    email_address = "oncall@example.com"
  }
  user_labels = {
    handoff_job = "handoff-etl-rates"
  }
}

resource "google_monitoring_alert_policy" "failures" {
  display_name = "handoff etl/rates: failed or timed-out runs"
  combiner     = "OR"
  user_labels = {
    handoff_job = "handoff-etl-rates"
  }
  notification_channels = ["projects/acme-data/notificationChannels/42", google_monitoring_notification_channel.email.name]
  documentation {
    content   = "A run of handoff etl/rates (Cloud Run job handoff-etl-rates) failed or timed out. See its logs: handoff cloud logs -p <project>, or handoff cloud job status."
    mime_type = "text/markdown"
  }
  conditions {
    display_name = "A task ended with a non-zero exit code"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/handoff_etl_rates_failed_tasks\" AND resource.type=\"cloud_run_job\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_COUNT"
      }
      trigger {
        count = 1
      }
    }
  }
  conditions {
    display_name = "A run or task timed out"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/handoff_etl_rates_timed_out\" AND resource.type=\"cloud_run_job\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_COUNT"
      }
      trigger {
        count = 1
      }
    }
  }
  conditions {
    display_name = "An execution failed as Cloud Run saw it (its own timeout, an image it could not start, a killed container)"
    condition_threshold {
      filter          = "metric.type=\"run.googleapis.com/job/completed_execution_count\" AND resource.type=\"cloud_run_job\" AND resource.labels.job_name=\"handoff-etl-rates\" AND resource.labels.location=\"europe-west1\" AND metric.labels.result=\"failed\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_COUNT"
      }
      trigger {
        count = 1
      }
    }
  }
  depends_on = [google_logging_metric.failed_tasks, google_logging_metric.timed_out]
}

resource "google_cloud_scheduler_job" "target_1" {
  name        = "handoff_etl_rates_1"
  region      = "europe-west1"
  description = "handoff etl/rates schedule 1"
  schedule    = "0 6 * * 1,2,3,4,5"
  time_zone   = "Europe/Paris"
  paused      = false
  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
    max_backoff_duration = "600s"
    max_doublings        = 3
  }
  http_target {
    uri         = "https://run.googleapis.com/v2/projects/acme-data/locations/europe-west1/jobs/handoff-etl-rates:run"
    http_method = "POST"
    headers = {
      Content-Type = "application/json"
    }
    body = base64encode(jsonencode({
      overrides = {
        containerOverrides = [
          {
            name = "handoff"
            env = [
              {
                name  = "HO_STAGE"
                value = "prod"
              },
              {
                name  = "__VARS"
                value = "start=$(date -I) x=$${HOME}"
              },
              {
                name  = "HANDOFF_TRIGGER"
                value = "schedule"
              },
            ]
          },
        ]
      }
    }))
    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }
  depends_on = [google_cloud_run_v2_job_iam_member.scheduler]
}

resource "google_cloud_scheduler_job" "target_nightly" {
  name        = "handoff_etl_rates_nightly"
  region      = "europe-west1"
  description = "handoff etl/rates schedule nightly"
  schedule    = "0 0 * * *"
  time_zone   = "UTC"
  paused      = true
  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
    max_backoff_duration = "600s"
    max_doublings        = 3
  }
  http_target {
    uri         = "https://run.googleapis.com/v2/projects/acme-data/locations/europe-west1/jobs/handoff-etl-rates:run"
    http_method = "POST"
    headers = {
      Content-Type = "application/json"
    }
    body = base64encode(jsonencode({
      overrides = {
        containerOverrides = [
          {
            name = "handoff"
            env = [
              {
                name  = "HO_STAGE"
                value = "prod"
              },
              {
                name  = "HANDOFF_TRIGGER"
                value = "schedule"
              },
            ]
          },
        ]
      }
    }))
    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }
  depends_on = [google_cloud_run_v2_job_iam_member.scheduler]
}
