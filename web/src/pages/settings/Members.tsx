/**
 * Settings → Members: who is in the project with which role; admins add existing users, invite new people
 * (the link is shown once), change roles and remove members. Only owners touch the owner role.
 */
import { useState } from "react";
import { useNavigate } from "react-router";
import { Trash2, Users } from "lucide-react";
import { accounts, type InvitationCreated, type MemberRead, type Role } from "../../api/accounts";
import { useCan, useSession, useSessionInfo } from "../../auth/SessionProvider";
import { rolesUpTo } from "../../auth/roles";
import { ConfirmDialog } from "../../components/Modal";
import { PageHeader } from "../../components/PageHeader";
import { RoleBadge, RoleSelect } from "../../components/Roles";
import { Alert, EmptyState, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatDateTime, formatRelative } from "../../lib/format";
import { AddPeople, InvitationLinkDialog } from "./AddPeople";
import { Invitations } from "./Invitations";

export function MembersPage() {
  const info = useSessionInfo();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const canManage = useCan("members:manage");
  const canManageOwners = useCan("owners:manage");
  const members = useAsync((signal) => accounts.listMembers(signal), []);
  const invitations = useAsync(
    (signal) => (canManage ? accounts.listInvitations(signal) : Promise.resolve([])),
    [canManage],
  );
  const [link, setLink] = useState<InvitationCreated | null>(null);
  const [removing, setRemoving] = useState<MemberRead | null>(null);
  const change = useAction();
  const remove = useAction();
  const grantable: Role[] = info ? rolesUpTo(info.role).filter((r) => r !== "owner" || canManageOwners) : [];
  const me = info?.user?.id;

  function mayEdit(member: MemberRead): boolean {
    return canManage && (member.role !== "owner" || canManageOwners);
  }

  async function changeRole(member: MemberRead, role: Role) {
    await change.run(async () => {
      const updated = await accounts.changeMemberRole(member.userId, role);
      members.setData((members.data ?? []).map((m) => (m.userId === updated.userId ? updated : m)));
      if (member.userId === me) await refresh(); // one's own permissions changed
    });
  }

  async function confirmRemove() {
    if (!removing) return;
    const target = removing;
    const ok = await remove.run(() => accounts.removeMember(target.userId));
    if (!ok) return;
    setRemoving(null);
    if (target.userId === me) {
      // Out of this project: continue in another one, or find out there is none.
      await refresh().catch(() => undefined);
      navigate("/runs", { replace: true });
      return;
    }
    members.setData((members.data ?? []).filter((m) => m.userId !== target.userId));
  }

  return (
    <div className="page">
      <PageHeader title="Members" subtitle={`People in ${info?.project.name ?? "this project"} and what each may do.`} />
      {canManage && (
        <AddPeople
          roles={grantable}
          onAdded={(member) => members.setData([...(members.data ?? []).filter((m) => m.userId !== member.userId), member])}
          onInvited={(created) => {
            const { token: _token, ...row } = created;
            invitations.setData([row, ...(invitations.data ?? [])]);
            setLink(created);
          }}
        />
      )}
      {change.error && <Alert kind="error">{change.error}</Alert>}
      <div className="card">
        {members.loading && !members.data && <Loading label="Loading members…" />}
        {members.error != null && (
          <ErrorState error={members.error} onRetry={members.reload} title="Members could not be loaded" />
        )}
        {members.data && members.data.length === 0 && !members.error && (
          <EmptyState icon={<Users aria-hidden="true" />} title="No members yet" />
        )}
        {members.data && members.data.length > 0 && !members.error && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="hide-narrow">
                    Email
                  </th>
                  <th scope="col">Role</th>
                  <th scope="col" className="hide-narrow">
                    Member since
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.data.map((member) => (
                  <tr key={member.userId} data-testid="member-row">
                    <td className="title-cell wrap">
                      {member.name}
                      {member.userId === me && <span className="muted"> (you)</span>}
                      <div className="muted small show-narrow">{member.email}</div>
                    </td>
                    <td className="hide-narrow">{member.email}</td>
                    <td>
                      {mayEdit(member) ? (
                        <RoleSelect
                          id={`role-${member.userId}`}
                          ariaLabel={`Role of ${member.name}`}
                          value={member.role}
                          roles={grantable}
                          disabled={change.busy}
                          onChange={(role) => void changeRole(member, role)}
                        />
                      ) : (
                        <RoleBadge role={member.role} />
                      )}
                    </td>
                    <td className="hide-narrow muted" title={formatDateTime(member.createdAt)}>
                      {formatRelative(member.createdAt)}
                    </td>
                    <td>
                      {mayEdit(member) && (
                        <div className="actions" style={{ justifyContent: "flex-end" }}>
                          <button
                            type="button"
                            className="btn btn-sm btn-ghost"
                            aria-label={`Remove ${member.name}`}
                            onClick={() => {
                              remove.setError(null);
                              setRemoving(member);
                            }}
                          >
                            <Trash2 aria-hidden="true" />
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {canManage && (
        <Invitations
          state={invitations}
          onRevoked={(id) => invitations.setData((invitations.data ?? []).filter((i) => i.id !== id))}
        />
      )}
      {link && <InvitationLinkDialog invitation={link} onClose={() => setLink(null)} />}
      {removing && (
        <ConfirmDialog
          title={removing.userId === me ? "Leave this project?" : "Remove this member?"}
          message={
            removing.userId === me
              ? "You will lose access to this project's tests, jobs and runs."
              : `${removing.name} (${removing.email}) will lose access to this project. Their account stays.`
          }
          confirmLabel={removing.userId === me ? "Leave project" : "Remove member"}
          busy={remove.busy}
          error={remove.error}
          onConfirm={() => void confirmRemove()}
          onClose={() => setRemoving(null)}
        />
      )}
    </div>
  );
}
