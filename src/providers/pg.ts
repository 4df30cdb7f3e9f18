/**
 * The PG profiles: what each PG needs on the page and gives in a result. V1 names the PG by `IMP_PG`'s prefix
 * (`danal.A010002002`), V2 by `PORTONE_PG`.
 */
export const PG_PROFILES = ["danal", "inicis_unified", "kcp_v2"] as const;
export type PgProfile = (typeof PG_PROFILES)[number];

/** Sources a page's CSP allows, by directive, beyond its own origin. */
export interface CspSources {
  readonly script?: readonly string[];
  readonly connect?: readonly string[];
  readonly frame?: readonly string[];
  readonly form?: readonly string[];
}

/** The sources of several parts, directive by directive, each source once. */
export function mergeCsp(...parts: CspSources[]): Required<CspSources> {
  const merged = (key: keyof CspSources) => [...new Set(parts.flatMap((part) => part[key] ?? []))];
  return { script: merged("script"), connect: merged("connect"), frame: merged("frame"), form: merged("form") };
}

/** What a page needs for its PG's window: the configured PG's hosts, or every PG's when none is named. */
export const pgWindowHosts = (profile: PgProfile | undefined): CspSources =>
  profile ? PGS[profile].window : mergeCsp(...PG_PROFILES.map((p) => PGS[p].window));

/** The profile of a V1 `pg` value (`danal`, `danal.{CPID}`, …); another PG has none. */
export const profileOfPg = (pg: string | undefined): PgProfile | undefined => PG_PROFILES.find((p) => pg === p || pg?.startsWith(`${p}.`));

/** What a PG's page parameters depend on: the site's name, and the age the site asks for. */
export interface PgContext {
  serviceName?: string;
  minAge: number;
  ageRule: string;
}

/**
 * One PG, as everything in the app sees it: the config (which flows it has), both providers (what the page sends
 * for it, its name in V2's results), the page's CSP (where its window runs) and the sandbox (what its results lack,
 * what it requires). A new PG is one record here plus its sandbox behaviour.
 */
export interface PgRecord {
  /** Its name in PortOne V2's results (`channel.pgProvider`). */
  readonly v2Name: string;
  /** The API flow (a code by SMS, no window): the in-page SMS form needs it. */
  readonly apiFlow: boolean;
  /** What its results carry: KG Inicis never gives a DI; Danal gives a CI only while the contract includes it. */
  readonly gives: { readonly di: boolean; readonly ciByContract: boolean };
  /**
   * Where its identity window runs, as the page's CSP sees it. Both SDKs open the window by posting a form from the
   * site's own page (into the popup, or the whole page on a phone), so `form-action` must allow it.
   */
  readonly window: CspSources;
  /** What V1's `IMP.certification` adds for it. */
  v1Params(context: PgContext): Record<string, string | number>;
  /** What V2's `requestIdentityVerification` adds for it (PortOne's `bypass`). */
  v2Params(context: PgContext): Record<string, unknown>;
  /** A V2 request parameter PortOne refuses the window without (the sandbox refuses it too). */
  readonly v2Requires?: string;
}

/** Danal's window refuses people under this 만 나이 itself; its limit cannot say the Youth Protection Act's rule. */
const danalAgeLimit = (context: PgContext): number | undefined =>
  context.minAge > 0 && context.ageRule === "international" ? context.minAge : undefined;

const defined = <T extends Record<string, unknown>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };

export const PGS: Record<PgProfile, PgRecord> = {
  danal: {
    v2Name: "DANAL",
    apiFlow: true,
    gives: { di: true, ciByContract: true },
    // Danal's documented start pages /Danal/WebAuth/Web/Start.php and /Mobile/Start.php, which both SDKs post to.
    window: { form: ["https://wauth.teledit.com"] },
    // Danal's window shows the site's name and enforces a minimum age itself (the server still checks the age).
    v1Params: (c) => defined({ company: c.serviceName, min_age: danalAgeLimit(c) }),
    v2Params: (c) => {
      const danal = defined({ AGELIMIT: danalAgeLimit(c), CPTITLE: c.serviceName });
      return Object.keys(danal).length > 0 ? { bypass: { danal } } : {};
    },
  },
  inicis_unified: {
    v2Name: "INICIS_UNIFIED",
    apiFlow: false,
    gives: { di: false, ciByContract: false },
    // KG Inicis publishes no single host for its window: its domain, for the form and for a framed window.
    window: { form: ["https://*.inicis.com"], frame: ["https://*.inicis.com"] },
    v1Params: () => ({}),
    // PortOne requires it; "Y" would need the name, phone and birth date prefilled.
    v2Params: () => ({ bypass: { inicisUnified: { flgFixedUser: "N" } } }),
    v2Requires: "bypass.inicisUnified.flgFixedUser",
  },
  kcp_v2: {
    v2Name: "KCP_V2",
    apiFlow: true,
    gives: { di: true, ciByContract: false },
    window: { form: ["https://*.kcp.co.kr"], frame: ["https://*.kcp.co.kr"] },
    // Nothing extra: attempt ids are already at most 40 letters and digits, as KCP requires.
    v1Params: () => ({}),
    v2Params: () => ({}),
  },
};
