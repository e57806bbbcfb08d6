/** Settings → Project: the name and the quotas (admins change them; everyone else sees them). */
import { useState, type FormEvent } from "react";
import { Loader2, Save } from "lucide-react";
import { accounts, type ProjectRead, type ProjectUpdate } from "../../api/accounts";
import { useCan, useSession } from "../../auth/SessionProvider";
import { ROLE_LABEL } from "../../auth/roles";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { Alert, ErrorState, Loading } from "../../components/States";
import { useAction } from "../../hooks/useAction";
import { useAsync } from "../../hooks/useAsync";
import { formatDateTime, formatDuration, formatNumber } from "../../lib/format";

const QUOTAS = [
  { key: "maxVus", label: "Max virtual users per test", hint: "The most VUs a test may use at once." },
  { key: "maxDurationS", label: "Max test duration (seconds)", hint: "Longer tests are stopped." },
  { key: "maxConcurrentRuns", label: "Max concurrent runs", hint: "More runs wait in the queue." },
] as const;

type QuotaKey = (typeof QUOTAS)[number]["key"];

export function ProjectSettingsPage() {
  const canManage = useCan("project:manage");
  const project = useAsync((signal) => accounts.getProject(signal), []);

  return (
    <div className="page">
      <PageHeader title="Project" subtitle="The project's name and the limits its tests run under." />
      {project.loading && !project.data && <Loading label="Loading the project…" />}
      {project.error != null && (
        <ErrorState error={project.error} onRetry={project.reload} title="The project could not be loaded" />
      )}
      {project.data &&
        (canManage ? (
          <ProjectForm key={project.data.id} project={project.data} onSaved={project.setData} />
        ) : (
          <ProjectSummary project={project.data} />
        ))}
    </div>
  );
}

function ProjectSummary({ project }: { project: ProjectRead }) {
  return (
    <div className="card">
      <div className="card-body stack">
        <Alert kind="info">Only admins and owners change the project. You are {ROLE_LABEL[project.role].toLowerCase()}.</Alert>
        <dl className="definition-list">
          <dt>Name</dt>
          <dd data-testid="project-settings-name">{project.name}</dd>
          <dt>Organization</dt>
          <dd>{project.organizationName}</dd>
          <dt>Created</dt>
          <dd>{formatDateTime(project.createdAt)}</dd>
          <dt>Max virtual users per test</dt>
          <dd>{formatNumber(project.quotas.maxVus)}</dd>
          <dt>Max test duration</dt>
          <dd>{formatDuration(project.quotas.maxDurationS * 1000)}</dd>
          <dt>Max concurrent runs</dt>
          <dd>{formatNumber(project.quotas.maxConcurrentRuns)}</dd>
        </dl>
      </div>
    </div>
  );
}

/** Only what changed is sent; a quota must be a whole number of at least 1. */
export function projectChanges(project: ProjectRead, name: string, quotas: Record<QuotaKey, string>): ProjectUpdate | string {
  const changes: ProjectUpdate = {};
  if (!name.trim()) return "Give the project a name.";
  if (name.trim() !== project.name) changes.name = name.trim();
  for (const { key, label } of QUOTAS) {
    const raw = quotas[key].trim();
    if (!/^\d+$/.test(raw) || Number(raw) < 1) return `${label}: enter a whole number of at least 1.`;
    if (Number(raw) > project.ceilings[key]) return `${label}: at most ${project.ceilings[key]} (the platform's ceiling).`;
    if (Number(raw) !== project.quotas[key]) changes[key] = Number(raw);
  }
  return changes;
}

function ProjectForm({ project, onSaved }: { project: ProjectRead; onSaved: (project: ProjectRead) => void }) {
  const { refresh } = useSession();
  const [name, setName] = useState(project.name);
  const [quotas, setQuotas] = useState<Record<QuotaKey, string>>({
    maxVus: String(project.quotas.maxVus),
    maxDurationS: String(project.quotas.maxDurationS),
    maxConcurrentRuns: String(project.quotas.maxConcurrentRuns),
  });
  const [saved, setSaved] = useState(false);
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const changes = projectChanges(project, name, quotas);
    if (typeof changes === "string") return action.setError(changes);
    if (Object.keys(changes).length === 0) return setSaved(true);
    void action.run(async () => {
      const updated = await accounts.updateProject(changes);
      onSaved(updated);
      setSaved(true);
      if (changes.name) await refresh(); // the switcher shows the new name
    });
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Project settings">
      <div className="card-body stack">
        <div className="form-grid">
          <TextField
            id="project-name"
            className="span-2"
            label="Name"
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            hint={`In ${project.organizationName}. Created ${formatDateTime(project.createdAt)}.`}
          />
          {QUOTAS.map(({ key, label, hint }) => (
            <TextField
              key={key}
              id={`quota-${key}`}
              label={label}
              type="number"
              inputMode="numeric"
              min={1}
              max={project.ceilings[key]}
              step={1}
              value={quotas[key]}
              hint={`${hint} At most ${formatNumber(project.ceilings[key])} (the platform's ceiling).`}
              onChange={(e) => setQuotas((current) => ({ ...current, [key]: e.target.value }))}
            />
          ))}
        </div>
        {action.error && <Alert kind="error">{action.error}</Alert>}
        <div className="form-actions">
          {saved && !action.error && (
            <span className="muted" role="status">
              Saved.
            </span>
          )}
          <button type="submit" className="btn btn-primary" disabled={action.busy}>
            {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <Save aria-hidden="true" />}
            Save changes
          </button>
        </div>
      </div>
    </form>
  );
}
