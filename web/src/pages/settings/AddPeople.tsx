/** Adding people to the project: an existing user by email, or an invitation whose link is shown once. */
import { useState, type FormEvent } from "react";
import { Loader2, Send, UserPlus } from "lucide-react";
import { accounts, type InvitationCreated, type MemberRead, type Role } from "../../api/accounts";
import { ApiError, errorMessage } from "../../api/errors";
import { CopyField } from "../../components/CopyField";
import { TextField } from "../../components/Field";
import { Modal } from "../../components/Modal";
import { RoleSelect } from "../../components/Roles";
import { useAction } from "../../hooks/useAction";
import { formatDateTime } from "../../lib/format";

export function invitationLink(token: string): string {
  return `${globalThis.location.origin}/accept-invite?token=${encodeURIComponent(token)}`;
}

export function AddPeople({
  roles,
  onAdded,
  onInvited,
}: {
  roles: Role[];
  onAdded: (member: MemberRead) => void;
  onInvited: (invitation: InvitationCreated) => void;
}) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>(roles.includes("editor") ? "editor" : (roles[0] ?? "viewer"));
  const [notice, setNotice] = useState<string | null>(null);
  const [suggestInvite, setSuggestInvite] = useState(false);
  const action = useAction();

  function valid(): string | null {
    const trimmed = email.trim();
    if (!trimmed) return "Enter an email address.";
    if (!/^[^@\s]+@[^@\s]+$/.test(trimmed)) return "Enter a valid email address.";
    return null;
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    setSuggestInvite(false);
    const problem = valid();
    if (problem) return action.setError(problem);
    await action.run(
      async () => {
        const member = await accounts.addMember(email.trim(), role);
        onAdded(member);
        setNotice(`${member.name} was added as ${role}.`);
        setEmail("");
      },
      (err) => {
        // No such user: the server says to invite them instead, and the button is right here.
        setSuggestInvite(err instanceof ApiError && err.status === 404);
        return errorMessage(err);
      },
    );
  }

  async function invite() {
    setNotice(null);
    setSuggestInvite(false);
    const problem = valid();
    if (problem) return action.setError(problem);
    await action.run(async () => {
      const created = await accounts.invite(email.trim(), role);
      onInvited(created);
      setEmail("");
    });
  }

  return (
    <form className="card" onSubmit={(event) => void add(event)} noValidate aria-label="Add people">
      <div className="card-body stack" style={{ gap: 12 }}>
        <div>
          <h2>Add people</h2>
          <p className="muted small">
            Add someone who already has an account, or send an invitation link to someone who does not.
          </p>
        </div>
        <div className="inline-form">
          <TextField id="member-email" label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          <div className="field narrow">
            <label htmlFor="member-role">Role</label>
            <RoleSelect id="member-role" value={role} roles={roles} onChange={setRole} />
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={action.busy}>
              {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <UserPlus aria-hidden="true" />}
              Add member
            </button>
            <button type="button" className="btn" disabled={action.busy} onClick={() => void invite()}>
              <Send aria-hidden="true" /> Invite
            </button>
          </div>
        </div>
        {action.error && (
          <div className="alert alert-error" role="alert">
            <div className="row">
              {action.error}
              {suggestInvite && (
                <button type="button" className="btn btn-sm" onClick={() => void invite()}>
                  <Send aria-hidden="true" /> Send an invitation instead
                </button>
              )}
            </div>
          </div>
        )}
        {notice && (
          <p className="muted" role="status">
            {notice}
          </p>
        )}
      </div>
    </form>
  );
}

export function InvitationLinkDialog({ invitation, onClose }: { invitation: InvitationCreated; onClose: () => void }) {
  return (
    <Modal
      title="Send this invitation link"
      description={`Send it to ${invitation.email} yourself (nothing is emailed). You will not see it again.`}
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <CopyField id="invitation-link" label="Invitation link" value={invitationLink(invitation.token)} />
      <p className="muted small">
        It joins the project as <strong>{invitation.role}</strong> and works until {formatDateTime(invitation.expiresAt)}.
      </p>
    </Modal>
  );
}
