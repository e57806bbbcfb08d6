/** /tests/new?type=… and /tests/:id: the test form, loaded and saved through the API. */
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ArrowLeft, Play } from "lucide-react";
import { api, type TestType } from "../api/client";
import { errorMessage, scriptIssuesOf, type ScriptIssueLike } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { TestTypeBadge } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { ErrorState, Loading } from "../components/States";
import { emptyTest, TestForm, type TestFormValues } from "../components/TestForm";
import { useAsync } from "../hooks/useAsync";

const TYPES: TestType[] = ["browser", "api", "database", "custom", "performance"];

export function TestEditPage() {
  const { testId } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<ScriptIssueLike[]>([]);
  const canWrite = useCan("tests:write");
  const typeParam = params.get("type") as TestType | null;
  const newType: TestType = typeParam && TYPES.includes(typeParam) ? typeParam : "browser";

  const test = useAsync((_signal) => (testId ? api.getTest(testId) : Promise.resolve(null)), [testId]);

  async function submit(values: TestFormValues) {
    setError(null);
    setIssues([]);
    const body = {
      title: values.title,
      description: values.description || null,
      tags: values.tags,
      script: values.script,
      priority: values.type === "performance" ? null : values.priority,
    };
    try {
      if (testId) await api.updateTest(testId, body);
      else await api.createTest({ ...body, type: values.type });
      navigate("/tests");
    } catch (err) {
      setError(errorMessage(err));
      setIssues(scriptIssuesOf(err));
    }
  }

  const back = (
    <Link to="/tests" className="backlink">
      <ArrowLeft aria-hidden="true" width={14} height={14} /> Tests
    </Link>
  );
  if (test.loading) return <Loading label="Loading test…" />;
  if (test.error != null)
    return (
      <div className="page">
        {back}
        <ErrorState error={test.error} onRetry={test.reload} title="The test could not be loaded" />
      </div>
    );

  const existing = test.data;
  const initial: TestFormValues = existing
    ? {
        title: existing.title,
        description: existing.description ?? "",
        type: existing.type,
        priority: existing.priority ?? (existing.type === "performance" ? null : "medium"),
        tags: existing.tags,
        script: existing.script,
      }
    : emptyTest(newType);

  return (
    <div className="page">
      <PageHeader
        back={back}
        title={existing ? existing.title : "New test"}
        badges={<TestTypeBadge type={initial.type} />}
        actions={
          existing?.type === "performance" && (
            <Link to={`/playground?scriptType=performance&testId=${existing.id}`} className="btn btn-run">
              <Play aria-hidden="true" /> Open in playground
            </Link>
          )
        }
      />
      <TestForm
        key={existing?.id ?? newType}
        initial={initial}
        editing={!!existing}
        onSubmit={submit}
        error={error}
        issues={issues}
        readOnly={!canWrite}
      />
    </div>
  );
}
