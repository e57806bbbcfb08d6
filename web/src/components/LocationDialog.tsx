/**
 * "Select Execution Location": the location catalogue with live runner availability, refreshed while open.
 * A location without a live runner is shown unavailable; it can still be chosen with "queue until a runner
 * is available" (the run then waits until its queue deadline).
 */
import { useEffect, useState } from "react";
import { Globe, Loader2, Play } from "lucide-react";
import { api, type LocationRead } from "../api/client";
import { errorMessage } from "../api/errors";
import { useInterval } from "../hooks/useAsync";
import { Modal } from "./Modal";

export const LOCATION_POLL_MS = 5000;

export function availabilityText(location: LocationRead): string {
  if (!location.available) return "No runner available";
  const runners = `${location.runners} ${location.runners === 1 ? "runner" : "runners"}`;
  return `${runners}, ${location.freeSlots} free ${location.freeSlots === 1 ? "slot" : "slots"}`;
}

/** The preferred location if it can run now, else the first that can, else the preferred or the first. */
export function pickDefault(locations: LocationRead[], preferred?: string | null): string | null {
  const wanted = locations.find((loc) => loc.code === preferred);
  if (wanted?.available) return wanted.code;
  return locations.find((loc) => loc.available)?.code ?? wanted?.code ?? locations[0]?.code ?? null;
}

export function LocationDialog({
  title = "Select Execution Location",
  confirmLabel = "Run Test",
  defaultLocation,
  onClose,
  onConfirm,
}: {
  title?: string;
  confirmLabel?: string;
  defaultLocation?: string | null;
  onClose: () => void;
  onConfirm: (location: string, queueIfUnavailable: boolean) => Promise<void>;
}) {
  const [locations, setLocations] = useState<LocationRead[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [queue, setQueue] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function refresh(signal?: AbortSignal) {
    api.listLocations(signal).then(
      (list) => {
        setLocations(list);
        setLoadError(null);
        setSelected((current) => current ?? pickDefault(list, defaultLocation));
      },
      (err: unknown) => {
        if (!signal?.aborted) setLoadError(err);
      },
    );
  }

  useEffect(() => {
    const controller = new AbortController();
    refresh(controller.signal);
    return () => controller.abort();
  }, []);
  useInterval(() => refresh(), LOCATION_POLL_MS, true);

  const chosen = locations?.find((loc) => loc.code === selected);
  const canRun = !!chosen && (chosen.available || queue) && !busy;

  async function confirm() {
    if (!chosen) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(chosen.code, queue && !chosen.available);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
      refresh();
    }
  }

  return (
    <Modal
      title={title}
      description="Choose the geographical region where this performance test will execute."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-run" onClick={() => void confirm()} disabled={!canRun}>
            {busy ? <Loader2 className="spin" aria-hidden="true" /> : <Play aria-hidden="true" />}
            {confirmLabel}
          </button>
        </>
      }
    >
      {locations === null && !loadError && (
        <p className="muted" role="status">
          Loading locations…
        </p>
      )}
      {loadError != null && locations === null && (
        <p role="alert" style={{ color: "var(--red-text)" }}>
          {errorMessage(loadError)}
        </p>
      )}
      {locations && (
        <fieldset className="choice-list">
          <legend className="visually-hidden">Location</legend>
          {locations.map((loc) => {
            const disabled = !loc.available && !queue;
            return (
              <label
                key={loc.code}
                className={`choice${selected === loc.code ? " selected" : ""}${disabled ? " disabled" : ""}`}
                data-testid={`location-${loc.code}`}
              >
                <input
                  type="radio"
                  name="location"
                  value={loc.code}
                  checked={selected === loc.code}
                  disabled={disabled}
                  onChange={() => setSelected(loc.code)}
                />
                <Globe aria-hidden="true" width={18} height={18} className="muted" />
                <span className="choice-main">
                  <span className="choice-title">{loc.label || loc.name}</span>
                  <span className="muted small" style={{ display: "block" }}>
                    {loc.continent}
                  </span>
                </span>
                <span className="availability">
                  <span className={`dot${loc.available ? " dot-ok" : ""}`} aria-hidden="true" />
                  {availabilityText(loc)}
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
      {locations && !locations.some((loc) => loc.available) && (
        <p className="muted small">
          No runner is online. Start one with <code>just runner</code>, or queue the run until one connects.
        </p>
      )}
      <label className="row small">
        <input type="checkbox" checked={queue} onChange={(event) => setQueue(event.target.checked)} />
        Queue the run if no runner is available now
      </label>
      {error && (
        <p role="alert" style={{ color: "var(--red-text)" }}>
          {error}
        </p>
      )}
    </Modal>
  );
}
