import { z } from "zod";
import { CATEGORIES } from "../review/types.js";

/**
 * What the app records about itself, hidden on the last line of what it posts (see render-record.ts). Every field
 * is the app's own data: shas, hashes, numbers, enums and a nonce, never text a PR author or the model wrote. Read
 * back strictly: an object with a field missing, extra, out of range or of the wrong shape is no record at all.
 */

/** A commit sha as GitHub writes it. */
const shaSchema = z.string().regex(/^[0-9a-f]{40}$/);
/** Hash of a path (`hashText`): the record never carries the path itself, which the PR author chose. */
const fileHashSchema = z.string().regex(/^[0-9a-f]{16}$/);
/** Hash of one normalised line of code (`hashText`). */
const codeHashSchema = z.string().regex(/^[0-9a-f]{8}$/);
const lineNumberSchema = z.number().int().min(1).max(10_000_000);

/** Code hashes kept per finding: the first significant lines of its range. */
export const MAX_CODE_HASHES = 8;
/** Refused comments a review record carries; past it, the rest may be tried again by a later review. */
export const MAX_REFUSED_IN_RECORD = 20;
/** The longest record line `renderRecord` can write and `readRecord` reads; a record's worst case fits (tested). */
export const MAX_RECORD_CHARS = 8_000;

/**
 * A finding's identity across pushes and rewordings: its file, side and line range, the code it comments on, and
 * the kind of defect. Two identities are compared by `isSameFinding` (src/review/finding-identity.ts).
 */
export const findingIdentitySchema = z
  .strictObject({
    file: fileHashSchema,
    side: z.enum(["LEFT", "RIGHT"]),
    /** First and last line commented on, on `side`. */
    lines: z.tuple([lineNumberSchema, lineNumberSchema]),
    /** Hashes of the significant commented lines, in order, unique. */
    code: z.array(codeHashSchema).max(MAX_CODE_HASHES),
    category: z.enum(CATEGORIES),
  })
  .refine((identity) => identity.lines[0] <= identity.lines[1], { message: "lines must be in order" });
export type FindingIdentity = z.infer<typeof findingIdentitySchema>;

/** The record of a review the app posted: what it reviewed, whether completely, and how it was posted. */
export const reviewRecordSchema = z.strictObject({
  kind: z.literal("review"),
  /** The commit reviewed; must equal the review's `commit_id` (or a check run's `head_sha`), else ignored. */
  head: shaSchema,
  /** The pull request's base commit when it was reviewed. */
  base: shaSchema,
  /** True when every file the app would review was reviewed; a partial review does not count as reviewed. */
  complete: z.boolean(),
  /** Tells this post apart from every other, so a POST whose answer was lost is never sent twice. */
  post: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  /** Inline comments GitHub refused to place: they count as said, so they are not tried again and again. */
  refused: z.array(findingIdentitySchema).max(MAX_REFUSED_IN_RECORD),
});
export type ReviewRecord = z.infer<typeof reviewRecordSchema>;

/** The record of one inline comment the app posted: which finding it is. */
export const findingRecordSchema = z.strictObject({
  kind: z.literal("finding"),
  finding: findingIdentitySchema,
});
export type FindingRecord = z.infer<typeof findingRecordSchema>;

export const appRecordSchema = z.discriminatedUnion("kind", [reviewRecordSchema, findingRecordSchema]);
export type AppRecord = z.infer<typeof appRecordSchema>;
