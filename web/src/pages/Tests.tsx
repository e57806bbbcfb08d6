/** Tests: a searchable list with type badges; create, edit, open in the playground, delete. */
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { FlaskConical, Pencil, Play, Plus, Search, Trash2 } from "lucide-react";
import { api, type TestRead, type TestType } from "../api/client";
import { errorMessage } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { TestTypeBadge } from "../components/Badges";
import { ConfirmDialog } from "../components/Modal";
import { PageHeader } from "../components/PageHeader";
import { EmptyState, ErrorState, Loading } from "../components/States";
import { useAsync, useDebounced } from "../hooks/useAsync";
import { formatRelative, TEST_TYPE_LABEL } from "../lib/format";

const PAGE_SIZE = 25;

export function TestsPage() {
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("search") ?? "");
  const type = (params.get("type") ?? "") as TestType | "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const query = useDebounced(search.trim(), 300);
  const [deleting, setDeleting] = useState<TestRead | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const canWrite = useCan("tests:write");

  const tests = useAsync(
    (signal) => api.listTests({ search: query || undefined, type: type || undefined, limit: PAGE_SIZE, offset }, signal),
    [query, type, offset],
  );

  function setParam(name: string, value: string) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        if (name !== "offset") next.delete("offset");
        return next;
      },
      { replace: true },
    );
  }

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteTest(deleting.id);
      setDeleting(null);
      tests.reload();
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setDeleteBusy(false);
    }
  }

  const filtered = !!query || !!type;
  return (
    <div className="page">
      <PageHeader
        title="Tests"
        subtitle="Scripts you can run alone from the playground or together in jobs."
        actions={
          canWrite && (
            <Link to="/playground?scriptType=performance" className="btn btn-run">
              <Plus aria-hidden="true" /> New performance test
            </Link>
          )
        }
      />
      <div className="card">
        <div className="toolbar">
          <div className="search">
            <Search aria-hidden="true" />
            <label htmlFor="test-search" className="visually-hidden">
              Search tests
            </label>
            <input
              id="test-search"
              className="input"
              type="search"
              placeholder="Search by title"
              value={search}
              onChange={(event) => {
                setSearch(event.target.value);
                setParam("search", event.target.value.trim());
              }}
            />
          </div>
          <label htmlFor="type-filter" className="visually-hidden">
            Type
          </label>
          <select
            id="type-filter"
            className="select"
            value={type}
            onChange={(event) => setParam("type", event.target.value)}
          >
            <option value="">All types</option>
            {Object.entries(TEST_TYPE_LABEL).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          {tests.data && (
            <span className="muted small" role="status">
              {tests.data.total} {tests.data.total === 1 ? "test" : "tests"}
            </span>
          )}
        </div>
        {tests.loading && !tests.data && <Loading label="Loading tests…" />}
        {tests.error != null && <ErrorState error={tests.error} onRetry={tests.reload} title="Tests could not be loaded" />}
        {tests.data && tests.data.items.length === 0 && !tests.error && (
          <EmptyState
            icon={<FlaskConical aria-hidden="true" />}
            title={filtered ? "No tests match" : "No tests yet"}
            actions={
              !filtered &&
              canWrite && (
                <Link to="/playground?scriptType=performance" className="btn btn-run">
                  <Plus aria-hidden="true" /> Create a performance test
                </Link>
              )
            }
          >
            {filtered ? "Try another search or type." : "Write a k6 script in the playground and save it."}
          </EmptyState>
        )}
        {tests.data && tests.data.items.length > 0 && !tests.error && (
          <>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Title</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="hide-narrow">
                      Tags
                    </th>
                    <th scope="col" className="hide-narrow">
                      Updated
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {tests.data.items.map((test) => (
                    <tr key={test.id} data-testid="test-row">
                      <td className="title-cell wrap">
                        <Link to={`/tests/${test.id}`}>{test.title}</Link>
                        {test.description && <div className="muted small">{test.description}</div>}
                      </td>
                      <td>
                        <TestTypeBadge type={test.type} />
                      </td>
                      <td className="hide-narrow wrap">
                        {test.tags.length ? (
                          <span className="row" style={{ gap: 4 }}>
                            {test.tags.map((tag) => (
                              <span key={tag} className="badge">
                                {tag}
                              </span>
                            ))}
                          </span>
                        ) : (
                          <span className="faint">—</span>
                        )}
                      </td>
                      <td className="hide-narrow muted">{formatRelative(test.updatedAt)}</td>
                      <td>
                        <div className="actions" style={{ justifyContent: "flex-end", flexWrap: "nowrap" }}>
                          {test.type === "performance" && (
                            <Link
                              to={`/playground?scriptType=performance&testId=${test.id}`}
                              className="btn btn-sm"
                              aria-label={`Open ${test.title} in the playground`}
                            >
                              <Play aria-hidden="true" /> Playground
                            </Link>
                          )}
                          <Link to={`/tests/${test.id}`} className="btn btn-sm btn-ghost" aria-label={`Edit ${test.title}`}>
                            <Pencil aria-hidden="true" />
                          </Link>
                          {canWrite && (
                            <button
                              type="button"
                              className="btn btn-sm btn-ghost"
                              aria-label={`Delete ${test.title}`}
                              onClick={() => {
                                setDeleteError(null);
                                setDeleting(test);
                              }}
                            >
                              <Trash2 aria-hidden="true" />
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={tests.data.total} offset={offset} size={PAGE_SIZE} onOffset={(o) => setParam("offset", o ? String(o) : "")} />
          </>
        )}
      </div>
      {deleting && (
        <ConfirmDialog
          title="Delete this test?"
          message={`"${deleting.title}" will be removed from every job that uses it. Past runs stay.`}
          confirmLabel="Delete test"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}

export function Pager({
  total,
  offset,
  size,
  onOffset,
}: {
  total: number;
  offset: number;
  size: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= size && offset === 0) return null;
  const from = total ? offset + 1 : 0;
  const to = Math.min(offset + size, total);
  return (
    <nav className="pager" aria-label="Pages">
      <span>
        {from}–{to} of {total}
      </span>
      <span className="row">
        <button type="button" className="btn btn-sm" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - size))}>
          Previous
        </button>
        <button type="button" className="btn btn-sm" disabled={to >= total} onClick={() => onOffset(offset + size)}>
          Next
        </button>
      </span>
    </nav>
  );
}
