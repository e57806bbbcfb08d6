/**
 * The app frame: the sidebar (a drawer on narrow screens) with the project switcher, the Create menu, Tests,
 * Jobs, Runs, Settings and who is signed in.
 */
import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";
import {
  ChevronDown,
  CircleUser,
  FlaskConical,
  History,
  KeyRound,
  Layers,
  LogOut,
  Menu,
  SlidersHorizontal,
  SquarePlus,
  Users,
  X,
  Zap,
} from "lucide-react";
import { useCan, useSession, useSessionInfo } from "../auth/SessionProvider";
import { TestTypeIcon } from "./icons";
import { ProjectSwitcher } from "./ProjectSwitcher";

export const CREATE_ITEMS = [
  { title: "Browser Test", type: "browser" },
  { title: "API Test", type: "api" },
  { title: "Database Test", type: "database" },
  { title: "Custom Test", type: "custom" },
  { title: "Performance Test", type: "performance" },
] as const;

export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const location = useLocation();
  const [createOpen, setCreateOpen] = useState(true);
  const scriptType = new URLSearchParams(location.search).get("scriptType") ?? "performance";
  const inPlayground = location.pathname === "/playground";
  const canWrite = useCan("tests:write");
  const canManageKeys = useCan("keys:manage");

  return (
    <nav className="sidebar" aria-label="Main">
      <Link to="/runs" className="brand" onClick={onNavigate}>
        <Zap aria-hidden="true" width={20} height={20} />
        Supercheck Performance
      </Link>
      <ProjectSwitcher onNavigate={onNavigate} />
      <div className="nav-section-label">Automate</div>
      {canWrite && (
        <button
          type="button"
          className="nav-group-toggle"
          aria-expanded={createOpen}
          aria-controls="create-menu"
          onClick={() => setCreateOpen((open) => !open)}
        >
          <SquarePlus aria-hidden="true" />
          Create
          <ChevronDown className="chevron" aria-hidden="true" />
        </button>
      )}
      {canWrite && createOpen && (
        <div className="nav-sub" id="create-menu">
          {CREATE_ITEMS.map((item) => {
            const active = inPlayground && scriptType === item.type;
            return (
              <Link
                key={item.type}
                to={`/playground?scriptType=${item.type}`}
                className={`nav-link${active ? " active" : ""}`}
                aria-current={active ? "page" : undefined}
                onClick={onNavigate}
              >
                <TestTypeIcon type={item.type} />
                {item.title}
              </Link>
            );
          })}
        </div>
      )}
      <NavLink to="/tests" className="nav-link" onClick={onNavigate}>
        <FlaskConical aria-hidden="true" />
        Tests
      </NavLink>
      <NavLink to="/jobs" className="nav-link" onClick={onNavigate}>
        <Layers aria-hidden="true" />
        Jobs
      </NavLink>
      <NavLink to="/runs" className="nav-link" onClick={onNavigate}>
        <History aria-hidden="true" />
        Runs
      </NavLink>
      <div className="nav-section-label">Settings</div>
      <NavLink to="/settings/project" className="nav-link" onClick={onNavigate}>
        <SlidersHorizontal aria-hidden="true" />
        Project
      </NavLink>
      <NavLink to="/settings/members" className="nav-link" onClick={onNavigate}>
        <Users aria-hidden="true" />
        Members
      </NavLink>
      {canManageKeys && (
        <NavLink to="/settings/api-keys" className="nav-link" onClick={onNavigate}>
          <KeyRound aria-hidden="true" />
          API keys
        </NavLink>
      )}
      <UserBlock />
    </nav>
  );
}

/** Who is signed in (a person, or an API key) and the way out. */
function UserBlock() {
  const info = useSessionInfo();
  const { signOutUser } = useSession();
  const [busy, setBusy] = useState(false);
  const who = info?.user
    ? { title: info.user.name, detail: info.user.email }
    : info?.apiKey
      ? { title: `API key "${info.apiKey.name}"`, detail: `${info.apiKey.prefix}…` }
      : null;

  return (
    <div className="sidebar-footer">
      {who && (
        <div className="user-block" data-testid="signed-in-as">
          <CircleUser aria-hidden="true" />
          <div className="user-text">
            <div className="user-title">{who.title}</div>
            <div className="muted small">{who.detail}</div>
          </div>
        </div>
      )}
      <button
        type="button"
        className="nav-link"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void signOutUser().finally(() => setBusy(false));
        }}
      >
        <LogOut aria-hidden="true" />
        Sign out
      </button>
    </div>
  );
}

export function Layout() {
  const info = useSessionInfo();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setDrawerOpen(false), [location.pathname, location.search]);

  return (
    <div className={`app${drawerOpen ? " drawer-open" : ""}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar onNavigate={() => setDrawerOpen(false)} />
      <div className="drawer-backdrop" onClick={() => setDrawerOpen(false)} aria-hidden="true" />
      <div className="main">
        <div className="topbar">
          <button
            type="button"
            className="btn btn-ghost icon-btn"
            aria-label={drawerOpen ? "Close menu" : "Open menu"}
            aria-expanded={drawerOpen}
            onClick={() => setDrawerOpen((open) => !open)}
          >
            {drawerOpen ? <X aria-hidden="true" /> : <Menu aria-hidden="true" />}
          </button>
          <strong>Supercheck Performance</strong>
          {info && <span className="topbar-project muted small">{info.project.name}</span>}
        </div>
        <main id="main" tabIndex={-1}>
          {/* A new project remounts the page, so it loads that project's data. */}
          <Outlet key={info?.project.id ?? ""} />
        </main>
      </div>
    </div>
  );
}
