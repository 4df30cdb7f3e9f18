/// <reference types="node" />
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOCUMENT_PATH, openApiDocument } from "../../scripts/openapi";

// The document is made at build time from the routes (scripts/openapi.ts) and served as a static file.
const generated = await openApiDocument();

describe("the OpenAPI document (static/openapi.json, served at /openapi.json)", () => {
  it("is what the routes describe now (npm run openapi writes it, npm run check compares)", () => {
    expect(readFileSync(DOCUMENT_PATH, "utf8")).toBe(generated);
  });

  it("describes every JSON route with its request and response schemas, from the definitions that validate", () => {
    // biome-ignore lint/suspicious/noExplicitAny: the document is walked by path; its shape is what this test asserts
    const doc = JSON.parse(generated) as any;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/.well-known/jwks.json",
      "/.well-known/openid-configuration",
      "/api/events",
      "/api/events/{id}/redeliver",
      "/api/users/{sub}",
      "/certifications",
      "/certifications/guardian-status",
      "/certifications/prepare",
      "/certifications/sms/confirm",
      "/certifications/sms/resend",
      "/certifications/sms/send",
      "/healthz",
      "/token",
      "/userinfo",
    ]);

    const verify = doc.paths["/certifications"].post;
    const [v1, v2] = verify.requestBody.content["application/json"].schema.anyOf;
    expect(v1.required).toEqual(["imp_uid"]);
    expect(v1.properties.imp_uid.pattern).toBe("^imp_\\d{1,32}$");
    expect(v1.properties.merchant_uid.pattern).toBe("^[A-Za-z0-9]{1,40}$");
    expect(v2.required).toEqual(["identity_verification_id"]);
    expect(v2.properties.identity_verification_id.pattern).toBe("^[A-Za-z0-9]{1,40}$");
    const [ok, consented] = verify.responses["200"].content["application/json"].schema.anyOf;
    expect(ok.properties.outcome.enum).toEqual(["new_user", "existing_user"]);
    expect(consented.properties.outcome.const).toBe("guardian_consented");
    const waiting = verify.responses["202"].content["application/json"].schema;
    expect(waiting.properties.guardian.required).toEqual(["consent_url", "expires_at"]);
    expect(waiting.properties.user.properties.status.const).toBe("pending_guardian");
    const send = doc.paths["/certifications/sms/send"].post;
    expect(send.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["name", "phone", "birth", "gender_digit", "carrier", "agreed"]),
    );
    expect(Object.keys(doc.paths["/certifications/sms/confirm"].post.responses)).toEqual(expect.arrayContaining(["200", "202", "410", "422", "429"]));
    const status = doc.paths["/certifications/guardian-status"].get;
    expect(status.responses["200"].content["application/json"].schema.properties.status.enum).toEqual(["pending_guardian", "active", "expired"]);
    expect(ok.properties.verification.anyOf.map((s: { properties: { provider: { const: string } } }) => s.properties.provider.const)).toEqual([
      "v1",
      "v2",
    ]);
    expect(Object.keys(verify.responses).sort()).toEqual([
      "200",
      "202",
      "400",
      "403",
      "404",
      "409",
      "410",
      "413",
      "415",
      "422",
      "429",
      "502",
      "503",
      "504",
    ]);
    const error = verify.responses["403"].content["application/json"].schema;
    expect(error.properties.error.properties.code.enum).toContain("session_mismatch");

    const prepare = doc.paths["/certifications/prepare"].post;
    expect(prepare.requestBody.content["application/json"].schema.type).toBe("object");
    const [p1, p2] = prepare.responses["201"].content["application/json"].schema.anyOf;
    expect(p1.required).toEqual(expect.arrayContaining(["provider", "merchant_uid", "expires_at", "imp_code", "params"]));
    expect(p2.required).toEqual(expect.arrayContaining(["provider", "identity_verification_id", "store_id", "channel_key"]));
    expect(doc.paths["/healthz"].get.responses["503"]).toBeDefined();
    expect(prepare.requestBody.content["application/json"].schema.properties.authorization.type).toBe("string");
    expect(ok.properties.redirect_to.type).toBe("string");
    expect(prepare.requestBody.content["application/json"].schema.properties.consent.type).toBe("string");
    expect(doc.paths["/.well-known/jwks.json"].get.responses["200"].content["application/json"].schema.properties.keys.type).toBe("array");

    const site = doc.paths["/api/users/{sub}"];
    expect(Object.keys(site).sort()).toEqual(["delete", "get"]);
    expect(site.get.security).toEqual([{ clientCredentials: [] }]);
    expect(doc.components.securitySchemes.clientCredentials).toMatchObject({ type: "http", scheme: "basic" });
    expect(site.get.parameters[0]).toMatchObject({ in: "path", name: "sub", required: true });
    expect(site.get.responses["200"].content["application/json"].schema.properties.user.required).toEqual(
      expect.arrayContaining(["id", "name", "gender", "birthday", "created_at", "last_verified_at", "guardian_consent"]),
    );
    const events = doc.paths["/api/events"].get;
    expect(events.security).toEqual([{ clientCredentials: [] }]);
    expect(events.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["after", "limit"]);
    expect(events.responses["200"].content["application/json"].schema.required).toEqual(["events", "has_more"]);
    expect(Object.keys(doc.paths["/api/events/{id}/redeliver"].post.responses).sort()).toEqual(["202", "400", "401", "404", "503"]);
    const token = doc.paths["/token"].post;
    expect(Object.keys(token.requestBody.content)).toEqual(["application/x-www-form-urlencoded"]);
    expect(token.responses["200"].content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["access_token", "token_type", "expires_in", "id_token", "scope"]),
    );
    expect(Object.keys(doc.paths["/userinfo"]).sort()).toEqual(["get", "post"]);
    expect(doc.paths["/userinfo"].get.security).toEqual([{ accessToken: [] }]);
    expect(Object.keys(site.delete.responses).sort()).toEqual(["200", "400", "401", "404", "503"]);
  });
});
