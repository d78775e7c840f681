import nock from "nock";
import { afterEach, beforeAll } from "vitest";
import { setCurrentPull } from "./helpers/github-mocks.js";

// No test reaches the network: only loopback, where e2e tests run their own stand-in servers.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});

afterEach(() => {
  setCurrentPull(undefined);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) {
    throw new Error(`Unused HTTP mocks left by the test: ${pending.join(", ")}`);
  }
});
