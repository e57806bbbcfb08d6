/** Helpers for tests of signed-in pages: a SessionInfo for a role, and the app rendered at a path. */
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import type { Permission, ProjectRead, Role, SessionInfo } from "../api/accounts";
import { App } from "../App";
import { fakeServer } from "./fakeServer";
import { json } from "./sse";

const MINIMUM: Record<Permission, Role> = {
  "project:read": "viewer",
  "tests:write": "editor",
  "runs:trigger": "editor",
  "members:manage": "admin",
  "keys:manage": "admin",
  "project:manage": "admin",
  "projects:create": "owner",
  "owners:manage": "owner",
};
const RANK: Role[] = ["viewer", "editor", "admin", "owner"];

/** The backend's permission matrix (backend/accounts/permissions.py), to build realistic sessions. */
export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(MINIMUM) as Permission[]).filter((p) => RANK.indexOf(role) >= RANK.indexOf(MINIMUM[p]));
}

export function project(id: string, name: string, role: Role = "owner"): ProjectRead {
  return {
    id,
    name,
    organizationId: "org-1",
    organizationName: "Default",
    role,
    quotas: { maxVus: 100, maxDurationS: 3600, maxConcurrentRuns: 3 },
    ceilings: { maxVus: 500, maxDurationS: 7200, maxConcurrentRuns: 20 },
    createdAt: "2025-01-01T10:00:00Z",
  };
}

export const DEFAULT_PROJECT = project("11111111-0000-0000-0000-000000000001", "Default project");

/** A person's cookie session with `role` in `current` (and membership of `projects`). */
export function sessionInfo(role: Role = "owner", current: ProjectRead = DEFAULT_PROJECT, projects?: ProjectRead[]): SessionInfo {
  const inProject = { ...current, role };
  return {
    user: { id: "user-1", email: "ada@example.com", name: "Ada Lovelace", createdAt: "2025-01-01T10:00:00Z" },
    apiKey: null,
    project: inProject,
    role,
    permissions: permissionsOf(role),
    projects: projects ?? [inProject],
    csrfToken: "csrf-from-session",
  };
}

type Routes = Parameters<typeof fakeServer>[0];

/** The whole app at `path`, signed in as `info` (GET /api/auth/me answers it), with more fake routes. */
export function renderSignedIn(path: string, routes: Routes, info: SessionInfo = sessionInfo()) {
  const server = fakeServer({ "GET /api/auth/me": () => json(info), ...routes });
  const view = render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
  return { server, view };
}
