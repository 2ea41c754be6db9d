import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'infra/test/**/*.test.ts'],
    // One Amazon DynamoDB Local for the whole run (GDN_DYNAMODB=dynalite for quick runs without Java).
    globalSetup: ['test/support/dynamodb-local-setup.ts'],
    // Bounds on a hang, not on speed: the same run must pass with six CPU burners on two cores, where a test that
    // takes 3 s on a quiet machine takes 30 s. How fast things are is measured in bench/ (`npm run bench`).
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests start local servers on loopback; two workers suit the 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
