// The team server's roles and what each may do: viewers read everything but secret values (which nobody sees),
// operators also start and stop runs and switch schedules, admins also manage accounts and read the audit log.
import type { Role } from '../api-types.js';

export type { Role };

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** `view`: read pages and streams; `operate`: run now, stop, cloud runs, schedules on/off; `administer`: accounts, audit. */
export type Permission = 'view' | 'operate' | 'administer';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const NEEDED: Record<Permission, number> = { view: 0, operate: 1, administer: 2 };

/** Each role has the rights of the ones below it. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return RANK[role] >= NEEDED[permission];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The least role that has `permission`, for messages ("needs the operator role"). */
export function leastRoleFor(permission: Permission): Role {
  return ROLES.find((role) => roleAllows(role, permission))!;
}
