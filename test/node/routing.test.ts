/// <reference types="node" />
import type { Router } from "hono/router";
import { PatternRouter } from "hono/router/pattern-router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

// The app routes with Hono's tiny preset (PatternRouter), which keeps the default preset's routers out of the
// bundle. Its matching is held to the default's (RegExpRouter, what Hono's SmartRouter picks for these routes): the
// same handlers, in the same order, with the same parameters, for every route's own path and its neighbours, under
// every method. Paths ending in "/" are the one difference (PatternRouter allows a trailing slash): the app refuses
// them before any route (test/api/worker.test.ts).
const routes = createApp().routes;

/** What a router gives a request: each handler (here the route's index) with its parameters. */
function matchOf(router: Router<number>, method: string, path: string) {
  const [handlers, stash] = router.match(method, path) as [[number, Record<string, string | number>][], string[]?];
  return handlers.map(([route, params]) => ({
    route,
    params: stash ? Object.fromEntries(Object.entries(params).map(([name, at]) => [name, stash[at as number]])) : { ...params },
  }));
}

/** A route's own path with its parameters filled in, and the paths around it. */
function probesOf(path: string): string[] {
  const filled = path.replace(/:\w+/g, "x1");
  const base = filled.endsWith("/*") ? filled.slice(0, -2) : filled.replace(/\*$/, "");
  const parent = base.slice(0, base.lastIndexOf("/")) || "/";
  // A request's path always starts with "/".
  return [base || "/", `${base}/`, `${base}/a`, `${base}/a/b`, parent, `${base}x`, `/${base}`].filter((p) => p.startsWith("/"));
}

describe("routing with Hono's tiny preset", () => {
  it("matches as Hono's default router does, for every route and the paths around it, under every method", () => {
    const tiny = new PatternRouter<number>();
    const standard = new RegExpRouter<number>();
    routes.forEach((route, i) => {
      tiny.add(route.method, route.path, i);
      standard.add(route.method, route.path, i);
    });
    const paths = new Set(["/", "//", "/nope", "/HEALTHZ", "/healthz//", "/.well-known", "/a%2Fb", ...routes.flatMap((r) => probesOf(r.path))]);
    let compared = 0;
    let trailing = 0;
    for (const path of paths) {
      if (path.length > 1 && path.endsWith("/")) {
        // The one difference: the tiny preset's route takes it, the default's does not (the app refuses it first).
        if (matchOf(tiny, "GET", path).length > matchOf(standard, "GET", path).length) trailing++;
        continue;
      }
      for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        expect([method, path, matchOf(tiny, method, path)]).toEqual([method, path, matchOf(standard, method, path)]);
        compared++;
      }
    }
    expect(routes.length).toBeGreaterThan(100);
    expect(compared).toBeGreaterThan(600);
    expect(trailing).toBeGreaterThan(10);
  });
});
