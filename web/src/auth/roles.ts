/** The four roles in rank order, their labels, and who may hand out which (the backend enforces the same). */
import type { Role } from "../api/accounts";

export const ROLES: Role[] = ["viewer", "editor", "admin", "owner"];

export const ROLE_LABEL: Record<Role, string> = {
  viewer: "Viewer",
  editor: "Editor",
  admin: "Admin",
  owner: "Owner",
};

export const ROLE_HINT: Record<Role, string> = {
  viewer: "sees tests, jobs, runs and reports",
  editor: "also writes tests and jobs and starts runs",
  admin: "also manages members, API keys and the project",
  owner: "also creates projects and manages owners",
};

export function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/** The roles someone with `role` may give to a key or a member: never more than their own. */
export function rolesUpTo(role: Role): Role[] {
  return ROLES.filter((r) => rank(r) <= rank(role));
}
