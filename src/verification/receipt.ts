import { SignJWT } from "jose";
import type { AgeRule, SigningKey } from "../config";
import type { ProviderName } from "../providers/provider";
import type { VerificationResult } from "./verify";

/**
 * Receipts: the verified result, signed (compact JWS, ES256) for the site that sent the visitor, so that any
 * backend can trust it with the public key at /.well-known/jwks.json and no shared database. Exactly these claims;
 * never CI, DI, phone numbers or provider ids.
 */
export interface ReceiptContext {
  key: SigningKey;
  ttlSeconds: number;
  /** The app's origin: `iss`. */
  issuer: string;
  /** The origin of `return_to`, else the app's own: `aud`. */
  audience: string;
  ageRule: AgeRule;
  minAge: number;
  provider: ProviderName;
}

export async function signReceipt(result: VerificationResult, context: ReceiptContext, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({
    outcome: result.outcome,
    name: result.user.name,
    gender: result.user.gender,
    birthday: result.user.birthday,
    age: result.user.age,
    age_rule: context.ageRule,
    min_age: context.minAge,
    provider: context.provider,
    verified_at: Math.floor(Date.parse(result.verification.certifiedAt) / 1000),
  })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: context.key.kid })
    .setIssuer(context.issuer)
    .setAudience(context.audience)
    .setSubject(result.user.id)
    .setIssuedAt(iat)
    .setExpirationTime(iat + context.ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(context.key.privateKey);
}

/** The public half of the key, as a JWKS entry. */
export function publicJwk(key: SigningKey) {
  return { ...key.publicJwk, kid: key.kid, alg: "ES256", use: "sig" } as const;
}
