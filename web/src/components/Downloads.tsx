/** Artifact downloads (summary.json, console.log, report) fetched with the session's credentials and saved from a blob. */
import { useState } from "react";
import { Download, Loader2 } from "lucide-react";
import { api } from "../api/client";
import { errorMessage } from "../api/errors";

export async function downloadArtifact(path: string, filename: string): Promise<void> {
  const blob = await api.artifactBlob(path);
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

export interface DownloadItem {
  label: string;
  path: string | null | undefined;
  filename: string;
}

export function Downloads({ items }: { items: DownloadItem[] }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const available = items.filter((item) => item.path);
  if (available.length === 0) return null;

  async function save(item: DownloadItem) {
    if (!item.path) return;
    setBusy(item.filename);
    setError(null);
    try {
      await downloadArtifact(item.path, item.filename);
    } catch (err) {
      setError(`${item.label}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="stack" style={{ gap: 6 }}>
      <div className="downloads">
        {available.map((item) => (
          <button key={item.filename} type="button" className="btn btn-sm" onClick={() => void save(item)}>
            {busy === item.filename ? <Loader2 className="spin" aria-hidden="true" /> : <Download aria-hidden="true" />}
            {item.label}
          </button>
        ))}
      </div>
      {error && (
        <p className="small" role="alert" style={{ color: "var(--red-text)" }}>
          {error}
        </p>
      )}
    </div>
  );
}
