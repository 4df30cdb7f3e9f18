import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type * as v from "valibot";
import { createApp } from "../../src/app";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { clearTokenMemory } from "../../src/providers/iamport/token-cache";
import { portoneSchemas } from "../../src/providers/portone/schemas";
import { PrepareResponse } from "../../src/routes/responses";
import { mintAttemptId } from "../../src/verification/attempt";
import { answer, checkAnswer } from "./answers";
import { ImpStub, type StubCertification } from "./iamport-stub";
import { PortOneStub, type StubCustomer } from "./portone-stub";

export const ORIGIN = "http://localhost:8787";

let counter = 0;

/**
 * The real Worker app, in workerd, with the real local D1 and KV, talking to a fresh i'mport stub. Each harness
 * gets its own REST key, so isolate-wide token caches of different tests never meet.
 */
/** Vars as strings; bindings (DB, CACHE, the EVENTS queue) may be replaced by a broken or a recording one. */
type Vars = Partial<
  Record<
    | Exclude<keyof Env, "DB" | "CACHE" | "EVENTS" | "EVENTS_DEAD">
    | "SIGNING_KEY"
    | "SIGNING_RSA_KEY"
    | "OIDC_CLIENT_SECRETS"
    | "IDENTITY_HMAC_PREVIOUS_KEYS"
    | "WEBHOOK_SECRETS"
    | "SANDBOX_WEBHOOK_URL",
    string
  >
> & {
  DB?: D1Database;
  CACHE?: KVNamespace;
  EVENTS?: Queue;
};

export function harness(vars: Vars = {}, options: { accessFetch?: typeof fetch } = {}) {
  clearTokenMemory();
  const impKey = `key_${Date.now()}_${counter++}`;
  const stub = new ImpStub(impKey, "test_secret");
  const portone = new PortOneStub(env.PORTONE_API_SECRET);
  const testEnv = { ...env, IMP_KEY: impKey, ...vars } as Env;
  // Sandbox mode keeps the app's own upstream (the simulator); live mode talks to the stub of its provider.
  const app = createApp({
    ...(vars.IMP_MODE === "sandbox" ? {} : { upstream: (_env, config) => (config.provider.name === "v2" ? portone.fetch : stub.fetch) }),
    ...options,
  });

  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const ctx = createExecutionContext();
    const req = new Request(new URL(path, ORIGIN), init);
    const res = await app.fetch(req.clone(), testEnv, ctx);
    await waitOnExecutionContext(ctx);
    await checkAnswer(req, res);
    return res;
  }

  /** A browser with its own cookie jar (name → value; paths and expiry are not modelled). */
  function browser() {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const send = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (jar.size > 0 && !headers.has("Cookie")) headers.set("Cookie", cookieHeader());
      const res = await request(path, { ...init, headers });
      for (const set of res.headers.getSetCookie()) {
        const [pair = ""] = set.split(";");
        const at = pair.indexOf("=");
        if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      return res;
    };
    const prepareAs = async <S extends v.GenericSchema>(schema: S) => {
      const res = await send("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } });
      if (res.status !== 201) throw new Error(`prepare answered ${res.status}: ${await res.text()}`);
      return answer(res, schema);
    };
    return {
      /** The Cookie header this browser sends; setting it replaces the whole jar. */
      get cookie() {
        return cookieHeader();
      },
      set cookie(value: string) {
        jar.clear();
        for (const pair of value
          .split(";")
          .map((p) => p.trim())
          .filter(Boolean)) {
          const at = pair.indexOf("=");
          if (at > 0) jar.set(pair.slice(0, at), pair.slice(at + 1));
        }
      },
      /** The browser-binding token. */
      get token() {
        return jar.get("imp_browser") ?? "";
      },
      send,
      /** V1: a new attempt for this browser, as prepare answers it. */
      prepare() {
        return prepareAs(iamportSchemas.prepare);
      },
      /** A new attempt under whichever provider runs (for its cookie). */
      prepareAny() {
        return prepareAs(PrepareResponse);
      },
      /** V2: a new attempt for this browser, as prepare answers it. */
      prepareV2() {
        return prepareAs(portoneSchemas.prepare);
      },
      verify(body: unknown) {
        return send("/certifications", {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: ORIGIN },
          body: JSON.stringify(body),
        });
      },
      /**
       * An attempt id for this browser as the app would mint it, expiring at `expiresAt` (an expired one cannot
       * come from the app, which mints for SESSION_TTL_SECONDS from now). Prepares first for the cookie.
       */
      async mint(expiresAt: number): Promise<string> {
        if (!jar.has("imp_browser")) await this.prepareAny();
        return mintAttemptId(testEnv.IDENTITY_HMAC_KEY, jar.get("imp_browser")!, expiresAt);
      },
      /** prepare, then i'mport certifies this person for that attempt. */
      async certified(fields: Partial<StubCertification> = {}) {
        const { merchant_uid } = await this.prepare();
        return stub.certify({ merchant_uid, ...fields });
      },
      /** V2: prepare, then PortOne verifies this person for that attempt; returns its id. */
      async verifiedV2(customer: StubCustomer = {}) {
        const attempt = await this.prepareV2();
        portone.verify(attempt.identity_verification_id, customer);
        return attempt.identity_verification_id;
      },
    };
  }

  /** `n` browsers, each with an attempt that i'mport has certified (with `fields`), ready to verify at once. */
  function certifiedPeople(n: number, fields: Partial<StubCertification> = {}) {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const b = browser();
        return { b, cert: await b.certified(fields) };
      }),
    );
  }

  return { stub, portone, env: testEnv, request, browser, certifiedPeople, impKey };
}

export type Browser = ReturnType<ReturnType<typeof harness>["browser"]>;
