/** The PGs that run carrier verification in a provider's window (Danal, KG Inicis, KCP): what a page's CSP allows. */
export const PG_HOSTS = ["https://*.danal.co.kr", "https://*.inicis.com", "https://*.kcp.co.kr"] as const;
