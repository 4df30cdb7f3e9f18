import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

const BODY_LIMIT_BYTES = 8 * 1024;

/** Bodies over 8 KiB are refused before they are read. */
export const limitBody = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError("payload_too_large");
  },
});

const isJson = (type: string | undefined) => /^application\/json\s*(;|$)/i.test(type ?? "");

/** POST /certifications takes JSON only (415 otherwise). */
export const jsonOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!isJson(c.req.header("Content-Type"))) throw new AppError("unsupported_media_type");
  await next();
});

/**
 * An optional JSON body: none at all reads as `{}`; a body that is there must be JSON (400 otherwise), so that a
 * text/plain `{…}` is refused rather than silently ignored.
 */
export const optionalJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  const raw = await c.req.text();
  if (raw.trim() === "") {
    c.req.bodyCache.json = Promise.resolve({});
  } else if (!isJson(c.req.header("Content-Type"))) {
    throw new AppError("invalid_request", "a body must be application/json");
  }
  await next();
});

/**
 * The hook of every schema validator (hono-openapi's `validator`, whose schemas also describe the request in
 * /openapi.json): a value that does not match is `400 invalid_request`; the schema's issues go to no one.
 */
export const invalidRequest = (result: { success: boolean; target: string }) => {
  if (!result.success) throw new AppError("invalid_request", `${result.target} does not match its schema`);
};
