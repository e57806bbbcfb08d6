/**
 * The accounts endpoints: sign-in and sign-up, the session, projects, members, invitations and API keys,
 * on the same typed client (and so the same credentials, errors and 401 handling) as everything else.
 */
import { client, unwrap, type Schemas } from "./client";

export type Role = Schemas["Role"];
export type Permission = Schemas["Permission"];
export type AuthStatus = Schemas["AuthStatus"];
export type SessionInfo = Schemas["SessionInfo"];
export type ProjectRead = Schemas["ProjectRead"];
export type ProjectUpdate = Schemas["ProjectUpdate"];
export type MemberRead = Schemas["MemberRead"];
export type InvitationRead = Schemas["InvitationRead"];
export type InvitationCreated = Schemas["InvitationCreated"];
export type ApiKeyRead = Schemas["ApiKeyRead"];
export type ApiKeyCreated = Schemas["ApiKeyCreated"];

export const accounts = {
  status(signal?: AbortSignal): Promise<AuthStatus> {
    return unwrap(client.GET("/api/auth/status", { signal }));
  },
  login(email: string, password: string): Promise<SessionInfo> {
    return unwrap(client.POST("/api/auth/login", { body: { email, password } }));
  },
  signup(body: Schemas["SignUp"]): Promise<SessionInfo> {
    return unwrap(client.POST("/api/auth/signup", { body }));
  },
  acceptInvite(body: Schemas["AcceptInvite"]): Promise<SessionInfo> {
    return unwrap(client.POST("/api/auth/accept-invite", { body }));
  },
  async logout(): Promise<void> {
    await unwrap(client.POST("/api/auth/logout"));
  },
  /**
   * Who is calling, in which project (the stored one, else the first), with which permissions. A 401 is
   * the caller's to handle: it also means "nobody has signed in yet".
   */
  me(signal?: AbortSignal): Promise<SessionInfo> {
    return unwrap(client.GET("/api/auth/me", { signal }));
  },

  listProjects(signal?: AbortSignal): Promise<ProjectRead[]> {
    return unwrap(client.GET("/api/projects", { signal }));
  },
  createProject(name: string): Promise<ProjectRead> {
    return unwrap(client.POST("/api/projects", { body: { name } }));
  },
  getProject(signal?: AbortSignal): Promise<ProjectRead> {
    return unwrap(client.GET("/api/project", { signal }));
  },
  updateProject(body: ProjectUpdate): Promise<ProjectRead> {
    return unwrap(client.PATCH("/api/project", { body }));
  },

  listMembers(signal?: AbortSignal): Promise<MemberRead[]> {
    return unwrap(client.GET("/api/members", { signal }));
  },
  addMember(email: string, role: Role): Promise<MemberRead> {
    return unwrap(client.POST("/api/members", { body: { email, role } }));
  },
  changeMemberRole(userId: string, role: Role): Promise<MemberRead> {
    return unwrap(client.PATCH("/api/members/{user_id}", { params: { path: { user_id: userId } }, body: { role } }));
  },
  async removeMember(userId: string): Promise<void> {
    await unwrap(client.DELETE("/api/members/{user_id}", { params: { path: { user_id: userId } } }));
  },

  listInvitations(signal?: AbortSignal): Promise<InvitationRead[]> {
    return unwrap(client.GET("/api/invitations", { signal }));
  },
  invite(email: string, role: Role): Promise<InvitationCreated> {
    return unwrap(client.POST("/api/invitations", { body: { email, role } }));
  },
  async revokeInvitation(invitationId: string): Promise<void> {
    await unwrap(client.DELETE("/api/invitations/{invitation_id}", { params: { path: { invitation_id: invitationId } } }));
  },

  listApiKeys(signal?: AbortSignal): Promise<ApiKeyRead[]> {
    return unwrap(client.GET("/api/api-keys", { signal }));
  },
  createApiKey(name: string, role: Role): Promise<ApiKeyCreated> {
    return unwrap(client.POST("/api/api-keys", { body: { name, role } }));
  },
  async revokeApiKey(keyId: string): Promise<void> {
    await unwrap(client.DELETE("/api/api-keys/{key_id}", { params: { path: { key_id: keyId } } }));
  },
};
