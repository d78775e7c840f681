/** What the app records, hidden, in the body of each review it posts: the commit it reviewed. */
export interface ReviewMarker {
  headSha: string;
}

const MARKER = /<!-- deepseek-review:reviewed=([0-9a-f]{40}) -->/;

export function renderReviewMarker(marker: ReviewMarker): string {
  return `<!-- deepseek-review:reviewed=${marker.headSha} -->`;
}

/** The marker of a review body, or undefined when the body carries none (or a malformed one). */
export function parseReviewMarker(body: string | null | undefined): ReviewMarker | undefined {
  const match = MARKER.exec(body ?? "");
  return match ? { headSha: match[1] as string } : undefined;
}
