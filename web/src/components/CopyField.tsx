/** A read-only value with a Copy button: a new API key or an invitation link, shown once. */
import { useRef, useState } from "react";
import { Check, Copy } from "lucide-react";

async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain HTTP on another host than localhost): copy the selected text instead.
    input?.focus();
    input?.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}

export function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const ref = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field">
        <input
          ref={ref}
          id={id}
          className="input"
          readOnly
          value={value}
          onFocus={(event) => event.target.select()}
          data-testid={`${id}-value`}
        />
        <button
          type="button"
          className="btn"
          onClick={() => void copyText(value, ref.current).then((ok) => setState(ok ? "copied" : "failed"))}
        >
          {state === "copied" ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
          {state === "copied" ? "Copied" : "Copy"}
        </button>
      </div>
      {state === "failed" && (
        <span className="hint" role="status">
          The browser did not allow copying: the text is selected, press Ctrl+C (⌘C).
        </span>
      )}
    </div>
  );
}
