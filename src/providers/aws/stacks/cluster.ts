// The ECS cluster a resource group's Fargate tasks run in.
import type { Resource } from './template.js';

export interface ClusterProps {
  ClusterName: string;
}

/** A Fargate-only cluster has nothing to manage: no instances, no capacity; it is a name that groups tasks. */
export function createEcsCluster(name: string): Resource<'AWS::ECS::Cluster', ClusterProps> {
  return { Type: 'AWS::ECS::Cluster', Properties: { ClusterName: name } };
}
