output "bucket" {
  description = "Bucket of the project (handoff project push puts project.yml, files/ and secrets there)."
  value       = aws_s3_bucket.bucket.id
}

output "cluster_arn" {
  description = "ECS cluster the tasks run in."
  value       = local.cluster_arn
}

output "subnets" {
  description = "Subnets the tasks run in."
  value       = local.subnet_ids
}

output "security_groups" {
  description = "Security groups of the tasks."
  value       = local.security_group_ids
}

output "execution_role_arn" {
  description = "ECS task execution role."
  value       = local.execution_role_arn
}

output "runner_role_arn" {
  description = "Role of the Step Functions runner."
  value       = aws_iam_role.runner_role.arn
}

output "scheduler_role_arn" {
  description = "Role EventBridge Scheduler starts runs with."
  value       = aws_iam_role.scheduler_role.arn
}

output "permissions_boundary_arn" {
  description = "The boundary every role of the module carries."
  value       = local.permissions_boundary_arn
}

output "state_machine_arn" {
  description = "runner state machine ARN (schedules start it)"
  value       = aws_sfn_state_machine.state_machine.arn
}

output "task_definition_arn" {
  description = "ECS task definition ARN with revision"
  value       = aws_ecs_task_definition.task_definition.arn
}

output "task_role_arn" {
  description = "role the container runs as"
  value       = aws_iam_role.task_role.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the container (kept when the stack is deleted)"
  value       = aws_cloudwatch_log_group.log_group.name
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms"
  value       = aws_sns_topic.alarm_topic.arn
}

output "schedules" {
  description = "The schedules, by key of var.schedules."
  value       = { for key, s in aws_scheduler_schedule.schedule : key => s.arn }
}
