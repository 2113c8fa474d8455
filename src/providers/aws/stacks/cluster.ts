// The ECS cluster a resource group's Fargate tasks run in.
import type { Resource, Tag } from './template.js';

export interface ClusterProps {
  ClusterName: string;
  CapacityProviders: string[];
  Tags: Tag[];
}

/**
 * A Fargate-only cluster has nothing to manage: no instances, no capacity; it is a name that groups tasks. Both Fargate
 * capacity providers are associated, so any task of the group may choose FARGATE_SPOT (`deploy.capacity_provider`).
 */
export function createEcsCluster(name: string, tags: Tag[]): Resource<'AWS::ECS::Cluster', ClusterProps> {
  return { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: name, CapacityProviders: ['FARGATE', 'FARGATE_SPOT'], Tags: tags } };
}
