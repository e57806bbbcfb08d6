/** The icon and colour of each test type, as in the sidebar's Create menu. */
import { AppWindow, ArrowLeftRight, Database, SquareFunction, Zap, type LucideIcon } from "lucide-react";

export const TEST_TYPE_ICON: Record<string, LucideIcon> = {
  browser: AppWindow,
  api: ArrowLeftRight,
  database: Database,
  custom: SquareFunction,
  performance: Zap,
};

export function TestTypeIcon({ type, className = "" }: { type: string; className?: string }) {
  const Icon = TEST_TYPE_ICON[type] ?? SquareFunction;
  return <Icon aria-hidden="true" className={`icon-${type} ${className}`.trim()} />;
}
