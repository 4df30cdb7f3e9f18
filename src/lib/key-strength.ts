// Whether a secret looks like what `npm run keygen` makes; free of Workers types, so the project's Node scripts and
// tests can ask it too.

/**
 * Whether an IDENTITY_HMAC_KEY is what `npm run keygen -- hmac` prints, or the like (`openssl rand -base64 32`,
 * `openssl rand -hex 32`): at least 32 bytes in hex or base64(url), with the variety random bytes show. A word
 * repeated, one letter or a counted sequence has far fewer distinct symbols than 32 random bytes ever give, or
 * repeats itself.
 */
export function isRandomKey(key: string): boolean {
  const hex = /^[0-9a-f]+$/i.test(key);
  if (!hex && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(key)) return false;
  const symbols = hex ? key.toLowerCase() : key.replace(/=+$/, "");
  const bytes = hex ? symbols.length / 2 : Math.floor((symbols.length * 6) / 8);
  const distinct = new Set(symbols).size;
  return bytes >= 32 && distinct >= (hex ? 12 : 20) && !repeats(symbols);
}

/** Whether a text is a shorter text said again and again. */
function repeats(text: string): boolean {
  for (let n = 1; n <= text.length / 2; n++) {
    if (text.length % n === 0 && text.slice(0, n).repeat(text.length / n) === text) return true;
  }
  return false;
}
