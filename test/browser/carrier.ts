// The simulated carrier window, as a person passes it: shared by the browser suites and the benchmark's Lighthouse
// runs (no test framework here).
import type { Page } from "playwright-core";

export interface Person {
  name: string;
  birthday: string;
  gender?: "male" | "female";
  carrier?: string;
  phone?: string;
}

/** Fills the simulated carrier window, reads the SMS code shown on screen and types it back. */
export async function passCarrierWindow(win: Page, person: Person) {
  await win.waitForLoadState();
  await win.getByLabel(/이름/).fill(person.name);
  await win.getByLabel(/생년월일/).fill(person.birthday);
  await win.locator(`input[name=gender][value=${person.gender ?? "female"}]`).check();
  await win.getByLabel(/통신사/).selectOption(person.carrier ?? "KT_MVNO");
  await win.getByLabel(/휴대폰 번호/).fill(person.phone ?? "01012345678");
  await win.getByRole("button", { name: /인증번호 받기/ }).click();
  await win.locator("#otp-form").waitFor({ state: "visible", timeout: 10_000 });
  const sms = await win.locator("#sms").textContent({ timeout: 10_000 });
  const code = /\[(\d{6})\]/.exec(sms ?? "")?.[1];
  if (!code) throw new Error(`no SMS code in the carrier window's text: ${sms}`);
  await win.getByLabel(/인증번호 6자리/).fill(code!);
  // Confirming closes a popup window: tolerate it closing under the click, as cancelWindow does.
  await win
    .getByRole("button", { name: /확인/ })
    .click()
    .catch((err: Error) => {
      if (!win.isClosed() && !/closed/.test(err.message)) throw err;
    });
}
