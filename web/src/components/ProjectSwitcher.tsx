/**
 * The current project in the sidebar: switch between the caller's projects (the choice is remembered in
 * this browser and sent as `X-Project-Id`), and "New project" for owners.
 */
import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { Eye, FolderKanban, Loader2, Plus } from "lucide-react";
import { accounts, type ProjectRead } from "../api/accounts";
import { useCan, useSession, useSessionInfo } from "../auth/SessionProvider";
import { ROLE_LABEL } from "../auth/roles";
import { useAction } from "../hooks/useAction";
import { TextField } from "./Field";
import { Modal } from "./Modal";

/** Where to stay after a switch: a list, not a record of the other project (it would be "not found"). */
export function pageAfterSwitch(pathname: string, search: string): string {
  const record = /^\/(tests|jobs|runs)\//.exec(pathname);
  if (record) return `/${record[1]}`;
  if (pathname === "/playground") {
    return `/playground?scriptType=${new URLSearchParams(search).get("scriptType") ?? "performance"}`;
  }
  if (/^\/(tests|jobs|runs)$/.test(pathname)) return pathname; // filters name the other project's jobs
  return pathname + search;
}

function projectLabel(project: ProjectRead, projects: ProjectRead[]): string {
  const orgs = new Set(projects.map((p) => p.organizationId));
  return orgs.size > 1 ? `${project.organizationName} / ${project.name}` : project.name;
}

export function ProjectSwitcher({ onNavigate }: { onNavigate?: () => void }) {
  const info = useSessionInfo();
  const { switchProject } = useSession();
  const canCreate = useCan("projects:create");
  const readOnly = !useCan("tests:write");
  const navigate = useNavigate();
  const location = useLocation();
  const action = useAction();
  const [creating, setCreating] = useState(false);
  if (!info) return null;

  async function open(projectId: string, to: string) {
    const ok = await action.run(() => switchProject(projectId));
    if (ok) {
      navigate(to, { replace: true });
      onNavigate?.();
    }
  }

  const projects = info.projects.length ? info.projects : [info.project];
  return (
    <div className="project-switcher">
      {projects.length > 1 ? (
        <label htmlFor="project-select" className="nav-section-label">
          Project
        </label>
      ) : (
        <span className="nav-section-label">Project</span>
      )}
      <div className="row" style={{ gap: 6, flexWrap: "nowrap" }}>
        <FolderKanban aria-hidden="true" className="project-icon" />
        {projects.length > 1 ? (
          <select
            id="project-select"
            className="select"
            value={info.project.id}
            disabled={action.busy}
            onChange={(event) => void open(event.target.value, pageAfterSwitch(location.pathname, location.search))}
          >
            {projects.map((project) => (
              <option key={project.id} value={project.id}>
                {projectLabel(project, projects)}
              </option>
            ))}
          </select>
        ) : (
          <strong className="project-name" data-testid="project-name">
            {info.project.name}
          </strong>
        )}
        {action.busy && <Loader2 className="spin" aria-label="Switching project" />}
      </div>
      <div className="row project-meta" style={{ gap: 6 }}>
        <span className="muted small">{ROLE_LABEL[info.role]}</span>
        {readOnly && (
          <span className="badge" data-testid="read-only-badge">
            <Eye aria-hidden="true" /> Read-only ({info.role})
          </span>
        )}
        {canCreate && !info.apiKey && (
          <button type="button" className="btn btn-sm btn-ghost" onClick={() => setCreating(true)}>
            <Plus aria-hidden="true" /> New project
          </button>
        )}
      </div>
      {action.error && (
        <p className="small" role="alert" style={{ color: "var(--red-text)" }}>
          {action.error}
        </p>
      )}
      {creating && (
        <NewProjectDialog
          onClose={() => setCreating(false)}
          onCreated={(project) => {
            setCreating(false);
            void open(project.id, "/runs");
          }}
        />
      )}
    </div>
  );
}

function NewProjectDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (project: ProjectRead) => void }) {
  const [name, setName] = useState("");
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) {
      action.setError("Give the project a name.");
      return;
    }
    void action.run(async () => onCreated(await accounts.createProject(name.trim())));
  }

  return (
    <Modal
      title="New project"
      description="A separate set of tests, jobs, runs, members and API keys in your organization. You will own it."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="new-project-form" className="btn btn-primary" disabled={action.busy}>
            {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <Plus aria-hidden="true" />}
            Create project
          </button>
        </>
      }
    >
      <form id="new-project-form" onSubmit={submit} noValidate>
        <TextField
          id="project-name"
          label="Project name"
          value={name}
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
          error={action.error}
          data-autofocus
        />
      </form>
    </Modal>
  );
}
