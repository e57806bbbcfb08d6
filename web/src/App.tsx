import { Navigate, Route, Routes } from "react-router";
import { AcceptInvitePage } from "./auth/AcceptInvite";
import { RequireAuth } from "./auth/RequireAuth";
import { SessionProvider } from "./auth/SessionProvider";
import { SignIn } from "./auth/SignIn";
import { Layout } from "./components/Layout";
import { JobEditPage } from "./pages/JobEdit";
import { JobsPage } from "./pages/Jobs";
import { NotFoundPage } from "./pages/NotFound";
import { Playground } from "./pages/Playground";
import { RunDetailPage } from "./pages/RunDetail";
import { RunsPage } from "./pages/Runs";
import { ApiKeysPage } from "./pages/settings/ApiKeys";
import { MembersPage } from "./pages/settings/Members";
import { ProjectSettingsPage } from "./pages/settings/ProjectSettings";
import { TestEditPage } from "./pages/TestEdit";
import { TestsPage } from "./pages/Tests";

export function App() {
  return (
    <SessionProvider>
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route path="/accept-invite" element={<AcceptInvitePage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/runs" replace />} />
          <Route path="playground" element={<Playground />} />
          <Route path="tests" element={<TestsPage />} />
          <Route path="tests/new" element={<TestEditPage />} />
          <Route path="tests/:testId" element={<TestEditPage />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="jobs/new" element={<JobEditPage />} />
          <Route path="jobs/:jobId" element={<JobEditPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:runId" element={<RunDetailPage />} />
          <Route path="settings" element={<Navigate to="/settings/project" replace />} />
          <Route path="settings/project" element={<ProjectSettingsPage />} />
          <Route path="settings/members" element={<MembersPage />} />
          <Route path="settings/api-keys" element={<ApiKeysPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </SessionProvider>
  );
}
