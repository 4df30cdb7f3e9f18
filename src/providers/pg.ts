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

/**
 * Where each PG's identity window runs, as the page's CSP sees it. The providers' SDKs open the window by posting a
 * form from the site's own page (into the popup, or the whole page on a phone), so `form-action` must allow it.
 * Danal's window is on wauth.teledit.com (its documented start pages `/Danal/WebAuth/Web/Start.php` and
 * `/Mobile/Start.php`, which both SDKs post to). KG Inicis and KCP publish no single host for theirs: their
 * domains stay allowed, for forms and for a window the SDK frames.
 */
export const PG_WINDOW_HOSTS: Record<PgProfile, CspSources> = {
  danal: { form: ["https://wauth.teledit.com"] },
  inicis_unified: { form: ["https://*.inicis.com"], frame: ["https://*.inicis.com"] },
  kcp_v2: { form: ["https://*.kcp.co.kr"], frame: ["https://*.kcp.co.kr"] },
};

/** The sources of several parts, directive by directive, each source once. */
export function mergeCsp(...parts: CspSources[]): Required<CspSources> {
  const merged = (key: keyof CspSources) => [...new Set(parts.flatMap((part) => part[key] ?? []))];
  return { script: merged("script"), connect: merged("connect"), frame: merged("frame"), form: merged("form") };
}

/** What a page needs for its PG's window: the configured PG's hosts, or every PG's when none is named. */
export const pgWindowHosts = (profile: PgProfile | undefined): CspSources =>
  profile ? PG_WINDOW_HOSTS[profile] : mergeCsp(...PG_PROFILES.map((p) => PG_WINDOW_HOSTS[p]));

/** The profile of a V1 `pg` value (`danal`, `danal.{CPID}`, …); another PG has none. */
export const profileOfPg = (pg: string | undefined): PgProfile | undefined => PG_PROFILES.find((p) => pg === p || pg?.startsWith(`${p}.`));

/** Danal's window refuses people under this 만 나이 itself; its limit cannot say the Youth Protection Act's rule. */
export const danalAgeLimit = (context: { minAge: number; ageRule: string }): number | undefined =>
  context.minAge > 0 && context.ageRule === "international" ? context.minAge : undefined;
