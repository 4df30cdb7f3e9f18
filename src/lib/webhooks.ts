/**
 * Standard Webhooks 1.0 signing: `webhook-signature: v1,<base64 of HMAC-SHA256("{id}.{timestamp}.{body}")>` under the
 * bytes of the secret after `whsec_`, so a site verifies a delivery with any Standard Webhooks library.
 */
const encoder = new TextEncoder();

const base64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/** The three headers of one delivery of event `id`, signed at `timestamp` (seconds since the epoch). */
export async function webhookHeaders(secret: Uint8Array, id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${base64(signature)}` };
}
