import type { ReactNode } from "react";

export function PageHeader({
  title,
  subtitle,
  actions,
  badges,
  back,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  badges?: ReactNode;
  back?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div className="titles">
        {back}
        <div className="title-row">
          <h1>{title}</h1>
          {badges}
        </div>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}
