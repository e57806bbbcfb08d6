/**
 * The k6 HTML report, fetched with the session's headers (an iframe src cannot send them) and shown through
 * srcdoc in a sandbox that allows its scripts but never same-origin access: the report cannot reach the app,
 * its cookies or the key.
 */
import { useEffect, useState } from "react";
import { FileText } from "lucide-react";
import { api } from "../api/client";
import { ApiError, errorMessage } from "../api/errors";
import { Loading } from "./States";

export function ReportFrame({ url, title = "k6 Performance Report" }: { url: string; title?: string }) {
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    setHtml(null);
    setError(null);
    api.artifactText(url, controller.signal).then(
      (text) => !controller.signal.aborted && setHtml(text),
      (err: unknown) => !controller.signal.aborted && setError(err),
    );
    return () => controller.abort();
  }, [url]);

  if (error) {
    const missing = error instanceof ApiError && error.status === 404;
    return (
      <div className="empty-state">
        <FileText aria-hidden="true" />
        <h3>{missing ? "No HTML report for this test" : "The report could not be loaded"}</h3>
        <p>{missing ? "k6 did not write a report (the test may have ended before its first period)." : errorMessage(error)}</p>
      </div>
    );
  }
  if (html === null) return <Loading label="Loading report…" />;
  return (
    <iframe
      className="report-frame"
      title={title}
      sandbox="allow-scripts"
      srcDoc={html}
      referrerPolicy="no-referrer"
      data-testid="report-iframe"
    />
  );
}
