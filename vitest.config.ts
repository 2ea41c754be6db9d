import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'infra/test/**/*.test.ts'],
    // One Amazon DynamoDB Local for the whole run (GDN_DYNAMODB=dynalite for quick runs without Java).
    globalSetup: ['test/support/dynamodb-local-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start local servers on loopback; two workers suit the 2-core CI machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
