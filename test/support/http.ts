/** The `error.code` of a JSON error answer. */
export const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

/** The `data-error-code` of an HTML error page, or null. */
export const pageErrorOf = async (res: Response) => /data-error-code="([a-z_]+)"/.exec(await res.text())?.[1] ?? null;
