import * as v from "valibot";
import { AttemptId, IsoTime, SdkParams } from "../schemas";

/** PortOne V2's shapes on the app's routes: one identity verification id is both the attempt and its result. */
export const portoneSchemas = {
  prepare: v.object({
    provider: v.literal("v2"),
    identity_verification_id: AttemptId,
    expires_at: IsoTime,
    store_id: v.string(),
    channel_key: v.string(),
    params: SdkParams,
  }),
  verifyBody: v.object({ identity_verification_id: v.pipe(AttemptId, v.description("the attempt id, as passed to the SDK")) }),
  verification: v.object({ provider: v.literal("v2"), identity_verification_id: AttemptId, certified_at: IsoTime }),
  /** The in-page SMS routes: the identity verification id is the attempt and the result at once. */
  smsAttempt: { identity_verification_id: v.optional(AttemptId) },
  smsResult: {},
  smsSent: {},
  /** `code`/`message` only word the message. */
  redirectQuery: {
    identityVerificationId: v.optional(v.string()),
    code: v.optional(v.string()),
    message: v.optional(v.string()),
  },
};
