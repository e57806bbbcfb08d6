/**
 * The script editor itself: CodeMirror 6 in JavaScript mode (TypeScript for Playwright tests), with the validation
 * problems underlined in place. Tab is not captured, so keyboard users can leave the editor.
 */
import { useEffect, useRef } from "react";
import { basicSetup } from "codemirror";
import { EditorState, Compartment } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { javascript } from "@codemirror/lang-javascript";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";

export interface EditorIssue {
  message: string;
  severity: "error" | "warning";
  line?: number | null;
  column?: number | null;
}

/** Issues with a line become diagnostics on that line (from the column when known). */
export function toDiagnostics(doc: EditorState["doc"], issues: readonly EditorIssue[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    if (!issue.line || issue.line < 1 || issue.line > doc.lines) continue;
    const line = doc.line(issue.line);
    const column = issue.column && issue.column > 0 ? Math.min(issue.column - 1, line.length) : 0;
    const from = line.from + column;
    const to = Math.max(from, line.to);
    out.push({ from, to: to === from && from < doc.length ? from + 1 : to, severity: issue.severity, message: issue.message });
  }
  return out;
}

export default function CodeEditor({
  value,
  onChange,
  issues = [],
  language = "javascript",
  label,
}: {
  value: string;
  onChange: (value: string) => void;
  issues?: readonly EditorIssue[];
  language?: "javascript" | "typescript";
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const languageConf = useRef(new Compartment());

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languageConf.current.of(javascript({ typescript: language === "typescript" })),
          lintGutter(),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; value and language changes are applied below.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: languageConf.current.reconfigure(javascript({ typescript: language === "typescript" })),
    });
  }, [language]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dispatch(setDiagnostics(editor.state, toDiagnostics(editor.state.doc, issues)));
  }, [issues, value]);

  return <div className="editor" ref={host} data-testid="script-editor" />;
}
