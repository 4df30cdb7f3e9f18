import type { Context } from "hono";

const parsed = new WeakMap<Request, URL>();

/**
 * The request's URL, parsed once per request: the cookie names, the HSTS header, the origin check and the issuer all
 * read it, and parsing it for each was a measurable share of a request. Shared: read it, never change it.
 */
export function requestUrl(c: Context): Readonly<URL> {
  let url = parsed.get(c.req.raw);
  if (!url) {
    url = new URL(c.req.url);
    parsed.set(c.req.raw, url);
  }
  return url;
}
