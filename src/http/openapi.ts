import type { MiddlewareHandler, ValidationTargets } from "hono";
import { validator as honoValidator } from "hono/validator";
import * as v from "valibot";
import { AppError } from "../errors";

/**
 * The JSON routes describe themselves where they are defined, so the OpenAPI document cannot drift from the code:
 * `describeRoute` names the route's entry in src/routes/descriptions.ts (its summary and responses), `validator`
 * takes the very schema that validates the request. The document is made at build time (`npm run openapi` writes
 * static/openapi.json, `npm run check` checks it): scripts/openapi.ts hands hono-openapi's own describing functions
 * to `describeWith` before the routes are defined, and runs its generator over the app. In the Worker a description
 * is a pass-through and a validator a plain valibot check, so neither the generator, nor its JSON Schema converter,
 * nor the descriptions and answer schemas ship to the edge.
 */
export interface Describer {
  /** The route's entry in src/routes/descriptions.ts, by its name. */
  describeRoute(name: string): MiddlewareHandler;
  validator(target: keyof ValidationTargets, schema: v.GenericSchema, hook: (result: { success: boolean }) => void): MiddlewareHandler;
  resolver(schema: v.GenericSchema): unknown;
}

let describer: Describer | undefined;

/** scripts/openapi.ts only: describe the routes defined after this call. */
export function describeWith(d: Describer): void {
  describer = d;
}

const passThrough: MiddlewareHandler = (_c, next) => next();

export const describeRoute = (name: string): MiddlewareHandler => describer?.describeRoute(name) ?? passThrough;

/** A response's schema in a route's description. */
export const described = (schema: v.GenericSchema) => describer?.resolver(schema) ?? schema;

const refuse = (target: string) => {
  throw new AppError("invalid_request", `${target} does not match its schema`);
};

/**
 * Validates a request's `target` (its JSON body, query, path parameters) with `schema`: a value that does not match
 * is `400 invalid_request`, and the schema's issues go to no one. The handler reads the parsed value with
 * `c.req.valid(target)`.
 */
export function validator<T extends keyof ValidationTargets, S extends v.GenericSchema>(target: T, schema: S) {
  const check = honoValidator(target, (value): v.InferOutput<S> => {
    const result = v.safeParse(schema, value);
    return result.success ? result.output : refuse(target);
  });
  return (describer?.validator(target, schema, (result) => result.success || refuse(target)) as typeof check | undefined) ?? check;
}
