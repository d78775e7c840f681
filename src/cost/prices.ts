import { z } from "zod";

const usdPerMillionSchema = z
  .number({ error: "must be a number (USD per 1M tokens)" })
  .finite()
  .nonnegative({ error: "must not be negative" });

const timeOfDaySchema = z
  .string({ error: 'must be a UTC time of day "HH:MM"' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a UTC time of day "HH:MM" (00:00 to 23:59)' });

/** Days of the week, as a price window names them (UTC). */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * Rates that apply between `start` (inclusive) and `end` (exclusive), UTC; `end` before `start` wraps past
 * midnight. `days` limits the window to the days it starts on (UTC), e.g. DeepSeek's weekday peak hours; the part
 * of a window past midnight belongs to the day it started. No `days`: every day.
 */
export const priceWindowSchema = z
  .object({
    start: timeOfDaySchema,
    end: timeOfDaySchema,
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }))
      .min(1, { error: "must name at least one day (leave it out for every day)" })
      .optional(),
    cacheHit: usdPerMillionSchema,
    cacheMiss: usdPerMillionSchema,
    output: usdPerMillionSchema,
  })
  .strict()
  .refine((window) => window.start !== window.end, { error: "start and end must differ", path: ["end"] });
export type PriceWindow = z.infer<typeof priceWindowSchema>;

/** USD per 1M tokens: input served from the context cache, input not cached, and output. */
export const modelPriceSchema = z
  .object({
    cacheHit: usdPerMillionSchema,
    cacheMiss: usdPerMillionSchema,
    output: usdPerMillionSchema,
    /** Discount (or surcharge) periods; the first one containing the time a response arrived wins. */
    windows: z.array(priceWindowSchema).optional(),
  })
  .strict();
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** Model id (as sent in the request) → prices. */
export const priceTableSchema = z.record(
  z.string().min(1, { error: "model id must not be empty" }),
  modelPriceSchema,
);
export type PriceTable = z.infer<typeof priceTableSchema>;

const FLASH: ModelPrice = { cacheHit: 0.028, cacheMiss: 0.14, output: 0.28 };
const PRO: ModelPrice = { cacheHit: 0.145, cacheMiss: 1.74, output: 3.48 };

/** DeepSeek's list prices (api-docs.deepseek.com, V4). `deepseek-flash` and `deepseek-chat` are names of V4 Flash. */
export const DEFAULT_PRICES: PriceTable = {
  "deepseek-v4-flash": FLASH,
  "deepseek-v4-pro": PRO,
  "deepseek-flash": FLASH,
  "deepseek-chat": FLASH,
};

const EXAMPLE = '{"deepseek-v4-flash": {"cacheHit": 0.028, "cacheMiss": 0.14, "output": 0.28}}';

/**
 * Reads a JSON price table (the `DEEPSEEK_PRICES` setting) and lays it over `DEFAULT_PRICES`: an entry replaces
 * the default entry of the same model id as a whole. Throws one error listing every problem.
 */
export function parsePriceOverrides(json: string): PriceTable {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Price table is not valid JSON (${reason}). Expected e.g. ${EXAMPLE}`);
  }
  const parsed = priceTableSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return `  - ${path === "" ? "(top level)" : path}: ${issue.message}`;
    });
    throw new Error(`Price table is invalid:\n${problems.join("\n")}\nExpected e.g. ${EXAMPLE}`);
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
}
