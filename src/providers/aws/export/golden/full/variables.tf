variable "region" {
  description = "AWS region of every resource (deploy.region)."
  type        = string
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$", var.region))
    error_message = "The region must be a region name such as eu-west-1."
  }
}

variable "image" {
  description = "Container image the task runs; it must run handoff (handoff container push puts it in ECR)."
  type        = string
  default     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/wordcount:0.7"
}

variable "bucket" {
  description = "Bucket of the project, its files, artifacts and run records (deploy.bucket). Bucket names are global: another region needs another name."
  type        = string
  default     = "handoff-dev-etl-f0cc306f"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "The bucket name must be 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "subnets" {
  description = "Existing subnets the tasks run in (deploy.subnets), with security_groups; null: the module makes a VPC."
  type        = list(string)
  default     = null
}

variable "security_groups" {
  description = "Security groups of the tasks (deploy.security_groups), with subnets; null: the module makes one without ingress."
  type        = list(string)
  default     = null
}

variable "assign_public_ip" {
  description = "Give tasks a public IP in the subnets given (deploy.assign_public_ip)."
  type        = bool
  default     = true
}

variable "cluster_arn" {
  description = "An existing ECS cluster (deploy.cluster); null: the module makes one with both Fargate capacity providers."
  type        = string
  default     = null
  validation {
    condition     = var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/.+$", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN."
  }
}

variable "execution_role_arn" {
  description = "An existing ECS task execution role (deploy.execution_role_arn); null: the module makes one."
  type        = string
  default     = null
  validation {
    condition     = var.execution_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn must be an IAM role ARN."
  }
}

variable "permissions_boundary_arn" {
  description = "The handoff permissions boundary when the account has it already (handoff makes it once per account); null: the module makes it."
  type        = string
  default     = null
}

variable "schedules" {
  description = "When the task runs (schedules: of project.yml): expression in AWS form (cron(...) or rate(...)), time zone, enabled, description and the run's environment."
  type = map(object({
    expression  = string
    timezone    = optional(string, "UTC")
    enabled     = optional(bool, true)
    description = optional(string)
    envs        = optional(map(string), {})
  }))
  default = {
    "1" = {
      expression  = "cron(0 6 * * ? *)"
      timezone    = "Europe/Paris"
      description = "daily"
      envs = {
        __VARS = "start=$(date -I) x=$${HOME}"
      }
    }
    "2" = {
      expression = "rate(1 hour)"
      enabled    = false
    }
  }
  validation {
    condition     = alltrue([for key, s in var.schedules : can(regex("^[0-9a-zA-Z._-]{1,57}$", key)) && !contains(keys(s.envs), "HO_STAGE")])
    error_message = "Schedule keys are 1-57 letters, digits and . _ -, and envs may not set HO_STAGE (the stage is the one deployed)."
  }
}

variable "tags" {
  description = "Tags of every resource that takes tags (deploy.tags), beside handoff's own."
  type        = map(string)
  default = {
    team = "data"
  }
}
