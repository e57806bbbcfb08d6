import { defineConfig } from "vitest/config";

// The end-to-end suite: a real stack (`python -m ops.up`), a target server on 127.0.0.1 and Debian's Chromium.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/browser/**/*.spec.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    reporters: ["default"],
  },
});
