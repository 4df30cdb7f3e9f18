// Which window the provider's SDK may open, from what the browser says of itself. A popup only where one can work:
// a desktop browser. Phones, tablets, iPadOS's desktop-class Safari (it says "Macintosh" but has touch) and every
// in-app browser or WebView get the redirect flow: their popups are blocked, or open where nobody comes back from.

/** In-app browsers and WebViews, by the marks their user agents carry (iOS WebViews say iPhone or iPad). */
const IN_APP = [/KAKAOTALK/i, /NAVER\(inapp/i, / Line\//, /Instagram/, /FBAN|FBAV/, /DaumApps|DaumDevice/, /; wv\)/];
const PHONE_OR_TABLET = /Android|iPhone|iPad|iPod|Mobile/i;

/**
 * `true` for popup mode, `false` for redirect mode. `forced` is the page's `?mode=` (popup or redirect);
 * `touchPoints` is `navigator.maxTouchPoints`, `mobileHint` the User-Agent Client Hints' `mobile`.
 * @param {{ userAgent: string, touchPoints?: number, mobileHint?: boolean, forced?: string | null }} browser
 */
export function usePopup({ userAgent, touchPoints = 0, mobileHint = false, forced = null }) {
  if (forced === "popup") return true;
  if (forced === "redirect") return false;
  if (mobileHint || PHONE_OR_TABLET.test(userAgent)) return false;
  if (IN_APP.some((mark) => mark.test(userAgent))) return false;
  // iPadOS 13+ Safari asks for desktop sites: a Mac that has a touch screen is an iPad.
  if (/Macintosh/.test(userAgent) && touchPoints > 1) return false;
  return true;
}
