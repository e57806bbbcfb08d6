import { Link } from "react-router";
import { EmptyState } from "../components/States";

export function NotFoundPage() {
  return (
    <div className="page">
      <div className="card">
        <EmptyState
          title="Page not found"
          actions={
            <Link to="/runs" className="btn">
              Go to runs
            </Link>
          }
        >
          There is nothing at this address.
        </EmptyState>
      </div>
    </div>
  );
}
