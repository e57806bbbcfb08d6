/**
 * The script editor, loaded on demand: CodeMirror is most of the bundle and only the playground and the
 * test form need it, so the other pages load without it.
 */
import { lazy, Suspense } from "react";
import type { EditorIssue } from "./CodeEditor";

export type { EditorIssue } from "./CodeEditor";

const CodeEditor = lazy(() => import("./CodeEditor"));

export interface ScriptEditorProps {
  value: string;
  onChange: (value: string) => void;
  issues?: readonly EditorIssue[];
  language?: "javascript" | "typescript";
  label: string;
}

export function ScriptEditor(props: ScriptEditorProps) {
  return (
    <Suspense fallback={<div className="editor editor-loading" role="status">Loading editor…</div>}>
      <CodeEditor {...props} />
    </Suspense>
  );
}
