/**
 * Integration tests run on real processes (PostgreSQL, Kafka, Connect, the services) on a small
 * machine: a test that fails is retried once and its first error printed, so a transient stall
 * (a rebalance, a port taken between probe and bind) does not fail CI, while a real failure still does.
 */
jest.retryTimes(1, { logErrorsBeforeRetry: true });
// `testTimeout` in a project entry is not applied to hooks; real processes need minutes under load
jest.setTimeout(180_000);
