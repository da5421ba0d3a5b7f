// Repository permission levels, weakest first. getCollaboratorPermissionLevel answers with
// a legacy `permission` (admin, write, read, none: maintain reads as write, triage as read)
// and a `role_name` that names the real role (or a custom role); we rank by the role when
// we know it and otherwise by the legacy permission, which never over-ranks.

export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

function rankOf(name: string | undefined): number {
  return name === undefined ? -1 : PERMISSION_LEVELS.indexOf(name as PermissionLevel);
}

/** The level a user holds, as a rank in PERMISSION_LEVELS (-1: none). */
export function effectiveRank(permission: string, roleName?: string): number {
  const byRole = rankOf(roleName);
  return byRole >= 0 ? byRole : rankOf(permission);
}

export function describeLevel(permission: string, roleName?: string): string {
  const rank = effectiveRank(permission, roleName);
  return rank >= 0 ? PERMISSION_LEVELS[rank]! : permission || 'none';
}

export function holds(permission: string, roleName: string | undefined, required: PermissionLevel): boolean {
  return effectiveRank(permission, roleName) >= rankOf(required);
}
