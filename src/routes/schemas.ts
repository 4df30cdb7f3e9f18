import * as v from "valibot";
import { PROVIDERS } from "../providers/registry";

/**
 * The shapes of the JSON routes' requests, declared once: the validators check requests against them and
 * /openapi.json describes the routes with them (their answers' shapes: src/routes/responses.ts).
 */

export const PrepareBody = v.object({
  authorization: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(4096),
      v.description("the OIDC authorization the page runs, as /authorize sealed it into the page: the new attempt runs it too"),
    ),
  ),
  consent: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(200),
      v.description("the guardian's page: its link's token, so the attempt's result is read as the guardian's consent"),
    ),
  ),
});

/** What a verify body names, as each provider names it (`v1`: the certification, and the attempt when the page names it; `v2`: the identity verification). */
export const VerifyBody = v.union(PROVIDERS.map((p) => p.schemas.verifyBody));

/**
 * The redirect's query, each parameter at most once: what every provider's window adds. Its ids are checked by the
 * provider, after their absence (a cancel) is told apart; the rest only word the message.
 */
export const RedirectQuery = v.object(Object.assign({}, ...PROVIDERS.map((p) => p.schemas.redirectQuery)) as v.ObjectEntries);

/** A subject as a client knows it: the user id (public) or a pairwise id. */
export const Subject = v.pipe(v.string(), v.regex(/^(usr|p)_[A-Za-z0-9_-]{1,64}$/));
