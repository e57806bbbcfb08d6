/** The app frame: the sidebar (a drawer on narrow screens) with the Create menu, Tests, Jobs and Runs. */
import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, useLocation } from "react-router";
import { ChevronDown, FlaskConical, History, Layers, LogOut, Menu, SquarePlus, X, Zap } from "lucide-react";
import { signOut } from "../auth/session";
import { TestTypeIcon } from "./icons";

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

  return (
    <nav className="sidebar" aria-label="Main">
      <Link to="/runs" className="brand" onClick={onNavigate}>
        <Zap aria-hidden="true" width={20} height={20} />
        Supercheck Performance
      </Link>
      <div className="nav-section-label">Automate</div>
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
      {createOpen && (
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
      <div className="sidebar-footer">
        <button type="button" className="nav-link" onClick={() => signOut("user")}>
          <LogOut aria-hidden="true" />
          Sign out
        </button>
      </div>
    </nav>
  );
}

export function Layout() {
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
        </div>
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
