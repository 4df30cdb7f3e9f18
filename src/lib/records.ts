/** A JSON object (not an array, not null): what a parsed body or a provider's answer must be before its fields are read. */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
