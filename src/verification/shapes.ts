import * as v from "valibot";
import { IsoTime } from "../providers/schemas";

/** The verified person as every verifying answer shows them, declared once: the answers' types come from here. */
export const VerifiedUser = v.object({
  id: v.string(),
  name: v.string(),
  gender: v.nullable(v.picklist(["male", "female"])),
  birthday: v.pipe(v.string(), v.isoDate()),
  age: v.pipe(v.number(), v.integer()),
  created_at: IsoTime,
});

export type VerifiedUser = v.InferOutput<typeof VerifiedUser>;

export const Outcome = v.picklist(["new_user", "existing_user"]);
