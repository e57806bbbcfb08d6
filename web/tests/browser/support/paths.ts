import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const WEB = resolve(here, "..", "..", "..");
export const REPO = resolve(WEB, "..");
export const WEB_DIST = join(WEB, "dist");
/** Where the screenshots go (named in web/README.md; gitignored). */
export const SCREENSHOTS = process.env.SUPERCHECK_SCREENSHOTS ?? join(REPO, "test-artifacts", "screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
