import * as v from "valibot";

/** Shapes every provider's routes share, declared once. */

/** Letters and digits, at most 40: the strictest PG's rule for an order id, which every attempt id follows. */
export const AttemptId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,40}$/));

export const IsoTime = v.pipe(v.string(), v.isoTimestamp());

/** What the page passes to the SDK besides the attempt, the window mode and the redirect URL. */
export const SdkParams = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description("passed to the SDK besides the fields above, popup/windowType and the redirect URL"),
);
