import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

const BODY_LIMIT_BYTES = 8 * 1024;

const honoBodyLimit = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError("payload_too_large");
  },
});

/** A body that fails while it is read is a client that went away mid-body: its request, not a fault of ours. */
const bodyLost = () => new AppError("invalid_request", "the body did not arrive whole");

/** Bodies over 8 KiB are refused before they are read whole. */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  let read = false;
  try {
    await honoBodyLimit(c, async () => {
      read = true;
      await next();
    });
  } catch (err) {
    if (read || err instanceof AppError) throw err;
    throw bodyLost();
  }
});

const isJson = (type: string | undefined) => /^application\/json\s*(;|$)/i.test(type ?? "");

/**
 * The body as a JSON object, read once for the schema validator after it. Required: anything but
 * `application/json` is `415`. Optional: no body at all reads as `{}`, but a body that is there must be JSON, so a
 * text/plain `{…}` is refused rather than silently ignored. Malformed JSON, and JSON that is not an object
 * (`[]`, `null`, `"x"`), is `400 invalid_request`.
 */
export const jsonObjectBody = (options: { optional: boolean }) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const json = isJson(c.req.header("Content-Type"));
    if (!options.optional && !json) throw new AppError("unsupported_media_type");
    let raw: string;
    try {
      raw = await c.req.text();
    } catch {
      throw bodyLost();
    }
    let body: unknown = {};
    if (!options.optional || raw.trim() !== "") {
      if (!json) throw new AppError("invalid_request", "a body must be application/json");
      try {
        body = JSON.parse(raw);
      } catch {
        throw new AppError("invalid_request", "malformed JSON");
      }
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new AppError("invalid_request", "not an object");
    // The validator after this parses the cached text again (Hono's `json()` reads the `text` cache, a promise
    // whatever its declared type says): hand it the object's text.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(raw.trim() === "" ? "{}" : raw);
    await next();
  });
