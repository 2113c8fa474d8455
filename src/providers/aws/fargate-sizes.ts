// Fargate's cpu/memory/storage rules, kept with the aws deploy keys of project.yml (the loader checks them too); re-exported for the AWS stacks.
export * from '../../project/deploy-keys/fargate-sizes.js';
