import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["host-sim/test/**/*.test.ts", "filters/**/test/**/*.test.ts", "scripts/test/**/*.test.ts", "bench/test/**/*.test.ts", "cli/**/test/**/*.test.ts", "integration/test-unit/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["integration/*.test.ts"],
          globalSetup: ["integration/support/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
