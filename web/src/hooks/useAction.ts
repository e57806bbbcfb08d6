/** A button's or form's action: busy while it runs, and the error to show when it fails. */
import { useCallback, useState } from "react";
import { errorMessage } from "../api/errors";

export interface Action {
  busy: boolean;
  error: string | null;
  setError: (message: string | null) => void;
  /** Runs `action`; resolves true when it succeeded. `describe` turns a failure into the message shown. */
  run: (action: () => Promise<unknown>, describe?: (err: unknown) => string) => Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>, describe: (err: unknown) => string = errorMessage) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(describe(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
