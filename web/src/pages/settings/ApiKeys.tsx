/** Settings → API keys: the project's keys; create one (its secret shown once) and revoke. */
import { useState, type FormEvent } from "react";
import { KeyRound, Loader2, Plus } from "lucide-react";
import { accounts, type ApiKeyCreated, type ApiKeyRead, type Role } from "../../api/accounts";
import { useCan, useSessionInfo } from "../../auth/SessionProvider";
import { rolesUpTo } from "../../auth/roles";
import { CopyField } from "../../components/CopyField";
import { TextField } from "../../components/Field";
import { ConfirmDialog, Modal } from "../../components/Modal";
import { PageHeader } from "../../components/PageHeader";
import { RoleBadge, RoleSelect } from "../../components/Roles";
import { EmptyState, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatDateTime, formatRelative } from "../../lib/format";

export function ApiKeysPage() {
  const info = useSessionInfo();
  const canManage = useCan("keys:manage");
  const keys = useAsync((signal) => accounts.listApiKeys(signal), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyRead | null>(null);
  const revoke = useAction();

  function onCreated(result: ApiKeyCreated) {
    const { key: _secret, ...row } = result; // the list never holds the secret
    keys.setData([row, ...(keys.data ?? [])]);
    setCreating(false);
    setCreated(result);
  }

  async function confirmRevoke() {
    if (!revoking) return;
    const target = revoking;
    const ok = await revoke.run(() => accounts.revokeApiKey(target.id));
    if (!ok) return;
    const now = new Date().toISOString();
    keys.setData((keys.data ?? []).map((k) => (k.id === target.id ? { ...k, revokedAt: k.revokedAt ?? now } : k)));
    setRevoking(null);
  }

  const newKey = canManage && (
    <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
      <Plus aria-hidden="true" /> New API key
    </button>
  );

  return (
    <div className="page">
      <PageHeader
        title="API keys"
        subtitle={`Keys for automation (CI, scripts) in ${info?.project.name ?? "this project"}.`}
        actions={newKey}
      />
      <div className="card">
        {keys.loading && !keys.data && <Loading label="Loading API keys…" />}
        {keys.error != null && <ErrorState error={keys.error} onRetry={keys.reload} title="API keys could not be loaded" />}
        {keys.data && keys.data.length === 0 && !keys.error && (
          <EmptyState icon={<KeyRound aria-hidden="true" />} title="No API keys yet" actions={newKey}>
            A key acts with the role you give it, in this project only.
          </EmptyState>
        )}
        {keys.data && keys.data.length > 0 && !keys.error && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="hide-narrow">
                    Created
                  </th>
                  <th scope="col" className="hide-narrow">
                    Last used
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((key) => (
                  <tr key={key.id} data-testid="api-key-row" className={key.revokedAt ? "revoked" : undefined}>
                    <td className="title-cell wrap">
                      {key.name}
                      {info?.apiKey?.id === key.id && <div className="muted small">This session's key</div>}
                    </td>
                    <td>
                      <code>{key.prefix}…</code>
                    </td>
                    <td>
                      <RoleBadge role={key.role} />
                    </td>
                    <td className="hide-narrow muted" title={formatDateTime(key.createdAt)}>
                      {formatRelative(key.createdAt)}
                    </td>
                    <td className="hide-narrow muted">{key.lastUsedAt ? formatRelative(key.lastUsedAt) : "Never"}</td>
                    <td>
                      {key.revokedAt ? (
                        <span className="badge badge-revoked" title={`Revoked ${formatDateTime(key.revokedAt)}`}>
                          Revoked
                        </span>
                      ) : (
                        <span className="badge badge-active">Active</span>
                      )}
                    </td>
                    <td>
                      {canManage && !key.revokedAt && (
                        <div className="actions" style={{ justifyContent: "flex-end" }}>
                          <button
                            type="button"
                            className="btn btn-sm btn-ghost"
                            aria-label={`Revoke ${key.name}`}
                            onClick={() => {
                              revoke.setError(null);
                              setRevoking(key);
                            }}
                          >
                            Revoke
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
      {creating && info && <CreateKeyDialog callerRole={info.role} onClose={() => setCreating(false)} onCreated={onCreated} />}
      {created && <NewKeyDialog created={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmDialog
          title="Revoke this API key?"
          message={
            info?.apiKey?.id === revoking.id
              ? `"${revoking.name}" is the key of this session: revoking it signs you out, and anything else using it stops too.`
              : `Anything using "${revoking.name}" (${revoking.prefix}…) stops working at once. This cannot be undone.`
          }
          confirmLabel="Revoke key"
          busy={revoke.busy}
          error={revoke.error}
          onConfirm={() => void confirmRevoke()}
          onClose={() => setRevoking(null)}
        />
      )}
    </div>
  );
}

function CreateKeyDialog({
  callerRole,
  onClose,
  onCreated,
}: {
  callerRole: Role;
  onClose: () => void;
  onCreated: (created: ApiKeyCreated) => void;
}) {
  const roles = rolesUpTo(callerRole);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>(roles.includes("editor") ? "editor" : roles[roles.length - 1]!);
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      action.setError("Give the key a name, such as where it is used.");
      return;
    }
    void action.run(async () => onCreated(await accounts.createApiKey(name.trim(), role)));
  }

  return (
    <Modal
      title="New API key"
      description="The key can do what its role allows, in this project only, until it is revoked."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="new-key-form" className="btn btn-primary" disabled={action.busy}>
            {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <Plus aria-hidden="true" />}
            Create key
          </button>
        </>
      }
    >
      <form id="new-key-form" className="stack" onSubmit={submit} noValidate>
        <TextField
          id="key-name"
          label="Name"
          placeholder="GitHub Actions"
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-autofocus
        />
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <RoleSelect id="key-role" value={role} roles={roles} onChange={setRole} />
          <span className="hint">At most your own role.</span>
        </div>
        {action.error && (
          <p role="alert" style={{ color: "var(--red-text)" }}>
            {action.error}
          </p>
        )}
      </form>
    </Modal>
  );
}

function NewKeyDialog({ created, onClose }: { created: ApiKeyCreated; onClose: () => void }) {
  return (
    <Modal
      title="Copy your new API key"
      description="You will not see it again: only a hash is stored. If it gets lost, revoke it and create another."
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <CopyField id="new-api-key" label={`API key "${created.name}"`} value={created.key} />
      <p className="muted small">
        Send it as <code>Authorization: Bearer &lt;key&gt;</code>. It acts as <strong>{created.role}</strong> in this
        project.
      </p>
    </Modal>
  );
}
