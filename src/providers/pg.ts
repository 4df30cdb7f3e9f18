/** The PGs that run carrier verification in a provider's window (Danal, KG Inicis, KCP): what a page's CSP allows. */
export const PG_HOSTS = ["https://*.danal.co.kr", "https://*.inicis.com", "https://*.kcp.co.kr"] as const;

/**
 * The PG profiles: what each PG needs on the page and gives in a result. V1 names the PG by `IMP_PG`'s prefix
 * (`danal.A010002002`), V2 by `PORTONE_PG`.
 */
export const PG_PROFILES = ["danal", "inicis_unified", "kcp_v2"] as const;
export type PgProfile = (typeof PG_PROFILES)[number];

/** The profile of a V1 `pg` value (`danal`, `danal.{CPID}`, …); another PG has none. */
export const profileOfPg = (pg: string | undefined): PgProfile | undefined => PG_PROFILES.find((p) => pg === p || pg?.startsWith(`${p}.`));

/** Danal's window refuses people under this 만 나이 itself; its limit cannot say the Youth Protection Act's rule. */
export const danalAgeLimit = (context: { minAge: number; ageRule: string }): number | undefined =>
  context.minAge > 0 && context.ageRule === "international" ? context.minAge : undefined;
