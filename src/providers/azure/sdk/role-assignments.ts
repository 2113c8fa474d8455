// Role assignments through @azure/arm-authorization: the grants of a scope, create (idempotent by name), delete.
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import type { AzureClientConfig } from './azure-client-config.js';
import { toArmClientOptions } from './azure-client-config.js';
import { isNotFound, readErrorCode, toAzureError } from './azure-errors.js';

/** One grant as handoff compares it: who gets which role where, under which condition. */
export interface RoleGrant {
  /** The assignment's name (a GUID made from the grant, see names.createRoleAssignmentName). */
  name: string;
  scope: string;
  /** `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<role id>`. */
  roleDefinitionId: string;
  principalId: string;
  principalType: 'ServicePrincipal' | 'User' | 'Group';
  description: string;
  /** An Azure ABAC condition (version 2.0), e.g. limiting blobs to a path prefix. */
  condition?: string;
}

export interface RoleAssignmentsApi {
  /** The assignments made directly at `scope` (not inherited from above it). */
  listAtScope(scope: string): Promise<RoleGrant[]>;
  create(grant: RoleGrant): Promise<void>;
  delete(scope: string, name: string): Promise<boolean>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createRoleAssignmentsApi(config: AzureClientConfig): RoleAssignmentsApi {
  const client = new AuthorizationManagementClient(config.credential, config.subscriptionId, toArmClientOptions(config));
  return {
    async listAtScope(scope) {
      const grants: RoleGrant[] = [];
      try {
        for await (const a of client.roleAssignments.listForScope(scope, { filter: 'atScope()' })) {
          // atScope() also returns assignments made above the scope; only the ones made here are ours to compare.
          if (!a.name || !a.scope || a.scope.toLowerCase() !== scope.toLowerCase()) continue;
          grants.push({
            name: a.name,
            scope: a.scope,
            roleDefinitionId: a.roleDefinitionId ?? '',
            principalId: a.principalId ?? '',
            principalType: (a.principalType ?? 'ServicePrincipal') as RoleGrant['principalType'],
            description: a.description ?? '',
            ...(a.condition ? { condition: a.condition } : {}),
          });
        }
      } catch (error) {
        // A scope that does not exist (yet) has no assignments.
        if (isNotFound(error)) return [];
        throw toAzureError(error, `list the role assignments of ${scope}`);
      }
      return grants;
    },
    async create(grant) {
      const parameters = {
        roleDefinitionId: grant.roleDefinitionId,
        principalId: grant.principalId,
        // Naming the principal type lets Azure accept a managed identity made a moment ago, before it has replicated
        // ("Assign Azure roles using ARM templates", new service principals); PrincipalNotFound is still retried.
        principalType: grant.principalType,
        description: grant.description,
        ...(grant.condition ? { condition: grant.condition, conditionVersion: '2.0' } : {}),
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await client.roleAssignments.create(grant.scope, grant.name, parameters);
          return;
        } catch (error) {
          const code = readErrorCode(error);
          if (code === 'RoleAssignmentExists') return;
          if (code === 'PrincipalNotFound' && attempt < 6) {
            await sleep(2000 * attempt);
            continue;
          }
          throw toAzureError(error, `grant role ${grant.roleDefinitionId.split('/').pop()} on ${grant.scope}`);
        }
      }
    },
    async delete(scope, name) {
      try {
        await client.roleAssignments.delete(scope, name);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw toAzureError(error, `delete the role assignment ${name} of ${scope}`);
      }
    },
  };
}
