/** Pages behind sign-in: without a key, and on any 401 later, go to /signin and come back afterwards. */
import { useEffect, type ReactNode } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { getApiKey, onSignOut } from "./session";

export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const here = location.pathname + location.search;

  useEffect(
    () =>
      onSignOut((reason) => {
        const query = new URLSearchParams({ next: here });
        if (reason === "expired") query.set("expired", "1");
        navigate(`/signin?${query.toString()}`, { replace: true });
      }),
    [navigate, here],
  );

  if (!getApiKey()) return <Navigate to={`/signin?${new URLSearchParams({ next: here }).toString()}`} replace />;
  return <>{children}</>;
}
