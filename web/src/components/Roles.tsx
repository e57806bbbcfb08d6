/** A role as a badge, and a select of the roles the caller may hand out. */
import type { Role } from "../api/accounts";
import { ROLE_HINT, ROLE_LABEL } from "../auth/roles";

export function RoleBadge({ role }: { role: Role }) {
  return (
    <span className={`badge badge-role-${role}`} title={ROLE_HINT[role]}>
      {ROLE_LABEL[role]}
    </span>
  );
}

export function RoleSelect({
  id,
  value,
  roles,
  onChange,
  disabled,
  ariaLabel,
}: {
  id: string;
  value: Role;
  roles: Role[];
  onChange: (role: Role) => void;
  disabled?: boolean;
  ariaLabel?: string;
}) {
  // A current role the caller may not grant still shows (disabled), so the select never lies.
  const options = roles.includes(value) ? roles : [value, ...roles];
  return (
    <select
      id={id}
      className="select"
      value={value}
      disabled={disabled}
      aria-label={ariaLabel}
      onChange={(event) => onChange(event.target.value as Role)}
    >
      {options.map((role) => (
        <option key={role} value={role} disabled={!roles.includes(role)} title={ROLE_HINT[role]}>
          {ROLE_LABEL[role]}
        </option>
      ))}
    </select>
  );
}
