// The sandbox as a local i'mport and a local PortOne for a site's own backend: published client libraries, unchanged
// but for their host, talk to `wrangler dev` in sandbox mode and read what people do in the carrier window.
import { readFileSync } from "node:fs";
import { IdentityVerificationClient } from "@portone/server-sdk/identityVerification";
import { IamportConnector } from "iamport-server-api";
import * as iamport from "iamport-server-api/lib/functional";
import { describe, expect, inject, it } from "vitest";

const baseUrl = inject("baseUrl");
const baseUrlV2 = inject("baseUrlV2");

/** What the carrier window does when a person fills it in: request, read the SMS, confirm. */
async function windowVerification(base: string, merchantUid: string, name: string) {
  const post = (path: string, body: object) =>
    fetch(`${base}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
  const { imp_uid } = (await post("/sandbox/window/request", {
    name,
    birthday: "1991-11-11",
    gender: "female",
    carrier: "SKT",
    phone: "01023456789",
    merchant_uid: merchantUid,
  })) as { imp_uid: string };
  const { otp } = (await fetch(`${base}/sandbox/window/sms/${imp_uid}`).then((r) => r.json())) as { otp: string };
  await post("/sandbox/window/confirm", { imp_uid, otp });
  return imp_uid;
}

describe("the sandbox as a local provider for the site's own backend", () => {
  it("i'mport: iamport-server-api reads, and deletes, certifications made in the sandbox's window; OTP too", async () => {
    const connector = new IamportConnector(`${baseUrl}/sandbox/api`, { imp_key: "sandbox_key", imp_secret: "sandbox_secret" });
    const impUid = await windowVerification(baseUrl, "site-order-1", "라이브러리");
    const connection = await connector.get();
    const { response } = await iamport.certifications.at(connection, impUid);
    expect(response).toMatchObject({ imp_uid: impUid, merchant_uid: "site-order-1", certified: true, name: "라이브러리", birthday: "1991-11-11" });

    const requested = await iamport.certifications.otp.request(connection, {
      name: "오티피",
      phone: "01034567890",
      birth: "850505",
      gender_digit: "1",
      carrier: "KT",
      is_mvno: false,
    } as Parameters<typeof iamport.certifications.otp.request>[1]);
    const otpUid = requested.response.imp_uid;
    const { otp } = (await fetch(`${baseUrl}/sandbox/window/sms/${otpUid}`).then((r) => r.json())) as { otp: string };
    const confirmed = await iamport.certifications.otp.confirm(connection, otpUid, { otp });
    expect(confirmed.response).toMatchObject({ imp_uid: otpUid, certified: true, name: "오티피", birthday: "1985-05-05" });

    await iamport.certifications.erase(connection, impUid);
    await expect(iamport.certifications.at(connection, impUid)).rejects.toThrow();
  });

  it("PortOne V2: PortOne's own server SDK, with its baseUrl, reads identity verifications made in the window", async () => {
    const client = IdentityVerificationClient({ secret: "sandbox_portone_api_secret", baseUrl: baseUrlV2 });
    await windowVerification(baseUrlV2, "siteAttempt0001", "포트원");
    const record = await client.getIdentityVerification({ identityVerificationId: "siteAttempt0001" });
    expect(record).toMatchObject({
      status: "VERIFIED",
      id: "siteAttempt0001",
      verifiedCustomer: { name: "포트원", birthDate: "1991-11-11", gender: "FEMALE" },
    });
    await expect(client.getIdentityVerification({ identityVerificationId: "nobodyAtAll" })).rejects.toMatchObject({
      data: { type: "IDENTITY_VERIFICATION_NOT_FOUND" },
    });
    const wrongKey = IdentityVerificationClient({ secret: "wrong", baseUrl: baseUrlV2 });
    await expect(wrongKey.getIdentityVerification({ identityVerificationId: "siteAttempt0001" })).rejects.toMatchObject({
      data: { type: "UNAUTHORIZED" },
    });
  });
});

describe("the OpenAPI document", () => {
  it("is served at /openapi.json as the static file the routes describe, with the static files' headers", async () => {
    const res = await fetch(`${baseUrl}/openapi.json`);
    expect([res.status, res.headers.get("Content-Type"), res.headers.get("X-Content-Type-Options")]).toEqual([
      200,
      expect.stringMatching(/^application\/json/),
      "nosniff",
    ]);
    expect(await res.text()).toBe(readFileSync("static/openapi.json", "utf8"));
  });
});
