import * as v from "valibot";
import { AttemptId, IsoTime, SdkParams } from "../schemas";

/** i'mport's shapes on the app's routes: a certification named by its `imp_uid`, an attempt by its `merchant_uid`. */

/** `imp_` and digits, as i'mport issues them. */
export const ImpUid = v.pipe(v.string(), v.regex(/^imp_\d{1,32}$/), v.description("i'mport's id of the certification"));

export const iamportSchemas = {
  prepare: v.object({ provider: v.literal("v1"), merchant_uid: AttemptId, expires_at: IsoTime, imp_code: v.string(), params: SdkParams }),
  verifyBody: v.object({
    imp_uid: ImpUid,
    merchant_uid: v.optional(v.pipe(AttemptId, v.description("when sent, must equal the certification's"))),
  }),
  verification: v.object({ provider: v.literal("v1"), imp_uid: ImpUid, merchant_uid: AttemptId, certified_at: IsoTime }),
  /** The in-page SMS routes: the attempt by its `merchant_uid`, the certification a code makes by its `imp_uid`. */
  smsAttempt: { merchant_uid: v.optional(AttemptId) },
  smsResult: { imp_uid: v.optional(ImpUid) },
  smsSent: { imp_uid: v.optional(v.pipe(ImpUid, v.description("v1: the certification the code makes; confirm names it"))) },
  /** `success`/`imp_success` only word the message when `imp_uid` is missing. */
  redirectQuery: {
    imp_uid: v.optional(v.string()),
    merchant_uid: v.optional(v.string()),
    success: v.optional(v.string()),
    imp_success: v.optional(v.string()),
  },
};
