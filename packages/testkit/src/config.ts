/** The environment the test runner (scripts/test.ts) hands to test processes; read here only. */
export const testEnv = {
  /** Admin URL of the throwaway PostgreSQL the test run started. */
  pgUrl: process.env.QUESTLINE_TEST_PG_URL,
  /** Where logs and screenshots of a test run go. */
  artifactsDir: process.env.QUESTLINE_TEST_ARTIFACTS,
  /** Log level of the service processes an integration test starts (their logs go to files). */
  stackLogLevel: process.env.STACK_LOG_LEVEL ?? 'info',
};
