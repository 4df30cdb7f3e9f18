import type { Config, OidcClient } from "../config";
import { sameText, sha256Hex } from "../lib/crypto";
import { clientOf } from "./authorization";

/** How a client presented its credentials, and whether they hold. */
export type ClientAuth =
  | { ok: true; client: OidcClient; basic: boolean }
  | { ok: false; basic: boolean; error: "invalid_client" | "invalid_request" };

/** `Authorization: Basic base64(id:secret)`, each part form-encoded (RFC 6749 §2.3.1); undefined when absent. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!header || !/^Basic\s/i.test(header)) return undefined;
  if (!match) return null;
  try {
    const decoded = atob(match[1]!);
    const at = decoded.indexOf(":");
    if (at < 0) return null;
    const part = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: part(decoded.slice(0, at)), secret: part(decoded.slice(at + 1)) };
  } catch {
    return null;
  }
}

/** Secrets compared by their hashes, in constant time: neither their content nor their length shows in the timing. A public client has none to match. */
async function secretMatches(client: OidcClient, given: string): Promise<boolean> {
  if (client.public) return false;
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(client.secret)]);
  return sameText(a, b);
}

/**
 * The client, by `client_secret_basic` or (when `form` is given) `client_secret_post`; exactly one method. An
 * unknown client and a wrong secret are the same `invalid_client`.
 */
export async function authenticateClient(config: Config, header: string | undefined, form?: URLSearchParams): Promise<ClientAuth> {
  const basic = basicCredentials(header);
  const posted = form?.has("client_secret") ? { id: form.get("client_id") ?? "", secret: form.get("client_secret") ?? "" } : undefined;
  const usedBasic = basic !== undefined;
  if (basic === null) return { ok: false, basic: true, error: "invalid_client" };
  if (basic && posted) return { ok: false, basic: true, error: "invalid_request" };
  const credentials = basic ?? posted;
  if (!credentials) {
    // A public client names itself with client_id and authenticates with nothing (its code is bound by PKCE).
    const named = form?.get("client_id");
    const client = named ? clientOf(config, named) : undefined;
    return client?.public ? { ok: true, client, basic: false } : { ok: false, basic: usedBasic, error: "invalid_client" };
  }
  // With Basic, a client_id in the form must name the same client.
  if (basic && form?.has("client_id") && form.get("client_id") !== basic.id) return { ok: false, basic: true, error: "invalid_client" };
  const client = clientOf(config, credentials.id);
  if (!client || !(await secretMatches(client, credentials.secret))) return { ok: false, basic: usedBasic, error: "invalid_client" };
  return { ok: true, client, basic: usedBasic };
}
