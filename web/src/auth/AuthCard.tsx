/** The frame of the pages before sign-in: the brand, a heading and one card. */
import type { ReactNode } from "react";
import { Zap } from "lucide-react";

export function AuthCard({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <div className="signin">
      <div className="card">
        <div className="card-body">
          <div className="brand" style={{ padding: 0 }}>
            <Zap aria-hidden="true" width={22} height={22} />
            Supercheck Performance
          </div>
          <div className="stack" style={{ gap: 4 }}>
            <h1>{title}</h1>
            {subtitle && <p className="muted">{subtitle}</p>}
          </div>
          {children}
        </div>
      </div>
    </div>
  );
}

/** The error of a sign-in form, announced when it appears. */
export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="alert alert-error" role="alert">
      {message}
    </p>
  );
}
