import type { SpendMeter } from "../cost/spend-meter.js";
import type { Progress } from "./create-progress.js";

/** The dry run stops the real pipeline where the spend meter would admit the plan: no model call can follow. */
export class DryRunStop extends Error {
  override name = "DryRunStop";
}

/** The spend meter with progress on every answer; in a dry run, it stops the review at the plan's admission. */
export function createProgressMeter(params: {
  inner: SpendMeter;
  progress: Progress;
  dryRun: boolean;
}): SpendMeter {
  const { inner, progress } = params;
  let done = 0;
  return {
    wrap(client) {
      const wrapped = inner.wrap(client);
      return {
        async complete(request) {
          try {
            return await wrapped.complete(request);
          } finally {
            done++;
            const totals = inner.totals();
            const usage = totals.usage;
            progress.update({
              done,
              tokens: usage.promptCacheHitTokens + usage.promptCacheMissTokens + usage.completionTokens,
              costUsd: totals.costUsd,
            });
          }
        },
      };
    },
    async admitPlan(calls) {
      if (params.dryRun) throw new DryRunStop();
      progress.start(calls.length);
      return inner.admitPlan(calls);
    },
    totals: () => inner.totals(),
    close: () => inner.close(),
  };
}
