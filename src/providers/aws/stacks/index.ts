// Entry point of the pure CloudFormation layer: the stacks, the schedule request and the runner's execution input.
export { createBucketStack } from './bucket-stack.js';
export { createResourcesStack } from './resources-stack.js';
export { resolveResourceGroupSettings, type NetworkChoice, type ResourceGroupSettings } from './resource-group-settings.js';
export { createPermissionsBoundaryStack } from './permissions-boundary.js';
export { createTaskStack, type TaskStackDeploy, type TaskStackInput } from './task-stack.js';
export { createRoleStack } from './role-stack.js';
export { createScheduleRequest, type ScheduleRequest } from './schedule-request.js';
export { createExecutionInput, type ExecutionInput } from './state-machine.js';
export type { Template } from './template.js';
