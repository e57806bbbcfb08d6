/** Pending invitations of the project, each revocable until it is accepted. */
import { Mail } from "lucide-react";
import { accounts, type InvitationRead } from "../../api/accounts";
import { RoleBadge } from "../../components/Roles";
import { Alert, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../hooks/useAction";
import type { AsyncState } from "../../hooks/useAsync";
import { formatDateTime, formatRelative } from "../../lib/format";

export function Invitations({ state, onRevoked }: { state: AsyncState<InvitationRead[]>; onRevoked: (id: string) => void }) {
  const revoke = useAction();

  return (
    <section className="card" aria-labelledby="invitations-title">
      <div className="card-header">
        <h2 id="invitations-title">Pending invitations</h2>
      </div>
      {revoke.error && (
        <div className="card-body">
          <Alert kind="error">{revoke.error}</Alert>
        </div>
      )}
      {state.loading && !state.data && <Loading label="Loading invitations…" />}
      {state.error != null && <ErrorState error={state.error} onRetry={state.reload} title="Invitations could not be loaded" />}
      {state.data && state.data.length === 0 && !state.error && (
        <p className="card-body muted">
          <Mail aria-hidden="true" width={14} height={14} /> No pending invitations.
        </p>
      )}
      {state.data && state.data.length > 0 && !state.error && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col" className="hide-narrow">
                  Sent
                </th>
                <th scope="col" className="hide-narrow">
                  Expires
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.data.map((invitation) => (
                <tr key={invitation.id} data-testid="invitation-row">
                  <td className="wrap">{invitation.email}</td>
                  <td>
                    <RoleBadge role={invitation.role} />
                  </td>
                  <td className="hide-narrow muted">{formatRelative(invitation.createdAt)}</td>
                  <td className="hide-narrow muted">{formatDateTime(invitation.expiresAt)}</td>
                  <td>
                    <div className="actions" style={{ justifyContent: "flex-end" }}>
                      <button
                        type="button"
                        className="btn btn-sm btn-ghost"
                        aria-label={`Revoke the invitation of ${invitation.email}`}
                        disabled={revoke.busy}
                        onClick={() =>
                          void revoke.run(async () => {
                            await accounts.revokeInvitation(invitation.id);
                            onRevoked(invitation.id);
                          })
                        }
                      >
                        Revoke
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
