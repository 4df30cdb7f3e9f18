/// <reference types="node" />
// The OpenAPI 3.1 document of the JSON routes, made from the routes themselves: `npm run openapi` writes
// static/openapi.json (served as a static file at /openapi.json), `npm run check` runs this with `--check` and fails
// when the file is not what the code describes. hono-openapi's describing functions stand in for the Worker's
// pass-throughs (src/http/openapi.ts) before the routes are defined, each route's description taken by the name it
// gives (src/routes/descriptions.ts, which only this script imports), then its generator walks the app.
import { readFileSync, writeFileSync } from "node:fs";
import { describeRoute, generateSpecs, resolver, validator } from "hono-openapi";
import type * as v from "valibot";

export const DOCUMENT_PATH = "static/openapi.json";

export async function openApiDocument(): Promise<string> {
  const { describeWith } = await import("../src/http/openapi.ts");
  const named = new Set<string>();
  describeWith({
    describeRoute: (name) => {
      if (!Object.hasOwn(DESCRIPTIONS, name)) throw new Error(`a route names a description that does not exist: ${name}`);
      named.add(name);
      return describeRoute(DESCRIPTIONS[name as keyof typeof DESCRIPTIONS]);
    },
    validator: (target, schema, hook) => validator(target, schema as v.GenericSchema & { "~standard": never }, hook),
    resolver: (schema) => resolver(schema as v.GenericSchema & { "~standard": never }),
  });
  // Imported once the describer is set, so that their answer schemas go through its resolver.
  const { DESCRIPTIONS } = await import("../src/routes/descriptions.ts");
  const { createApp } = await import("../src/app.ts");
  const document = await generateSpecs(createApp(), {
    documentation: {
      info: {
        title: "imp-identity-edge",
        version: "1",
        description: "Mobile identity verification (본인인증) through i'mport (PortOne V1) or PortOne V2 on Cloudflare Workers.",
      },
      components: {
        securitySchemes: {
          clientCredentials: { type: "http", scheme: "basic", description: "an OIDC client's client_id and secret" },
          accessToken: { type: "http", scheme: "bearer", description: "an access token from /token" },
        },
      },
    },
    exclude: ["/", "/authorize", "/certifications/redirect", "/guardian/{token}", /^\/sandbox\//, /^\/identity-verifications\//],
    // Its default leaves out every path with a dot, /.well-known/jwks.json among them.
    excludeStaticFile: false,
    defaultValidationErrorResponse: false,
  });
  const unused = Object.keys(DESCRIPTIONS).filter((name) => !named.has(name));
  if (unused.length > 0) throw new Error(`descriptions no route names: ${unused.join(", ")}`);
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const document = await openApiDocument();
  if (process.argv.includes("--check")) {
    if (readFileSync(DOCUMENT_PATH, "utf8") !== document) {
      console.error(`${DOCUMENT_PATH} is not what the routes describe: run npm run openapi`);
      process.exit(1);
    }
  } else {
    writeFileSync(DOCUMENT_PATH, document);
    console.log(`wrote ${DOCUMENT_PATH}`);
  }
}
