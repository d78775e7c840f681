import { describe, expect, it } from "vitest";
import { parseReviewMarker, renderReviewMarker } from "../../../src/review/review-marker.js";

const SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

describe("the review marker", () => {
  it("round-trips the reviewed commit through a review body", () => {
    const body = `### DeepSeek review\n\nNo issues found.\n${renderReviewMarker({ headSha: SHA })}`;
    expect(parseReviewMarker(body)).toEqual({ headSha: SHA });
  });

  it.each([null, undefined, "", "no marker", "<!-- deepseek-review:reviewed=abc -->"])(
    "is absent from %j",
    (body) => {
      expect(parseReviewMarker(body)).toBeUndefined();
    },
  );
});
