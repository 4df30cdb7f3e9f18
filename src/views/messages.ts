import type { ErrorCode } from "../errors";

export type Lang = "ko" | "en";

/** Every outcome and error in plain words, in Korean and English; the page and the result page share them. */
export const MESSAGES = {
  ko: {
    title: "휴대폰 본인인증",
    intro: "휴대폰 본인인증으로 가입하고 나이를 확인합니다. 이름·생년월일은 인증 결과로만 받습니다.",
    start: "본인인증 시작",
    preparing: "인증을 준비하는 중…",
    waiting: "인증 창에서 본인인증을 진행해 주세요…",
    verifying: "인증 결과를 확인하는 중…",
    retry: "다시 시도",
    back: "처음으로",
    return_to_site: "사이트로 돌아가기",
    requested_by: "{site}에서 본인인증을 요청했습니다. 인증이 끝나면 {site}(으)로 돌아갑니다.",
    age_limit_international: "만 {n}세 이상만 이용할 수 있습니다.",
    age_limit_youth_act: "{n}세가 되는 해의 1월 1일부터 이용할 수 있습니다.",
    name_label: "이름",
    new_user: "환영합니다! 가입이 완료되었습니다.",
    existing_user: "본인인증이 완료되었습니다. 이미 이 서비스에 등록된 분이라 새 계정은 만들지 않았습니다.",
    cancelled: "본인인증이 취소되었거나 실패했습니다.",
    sdk_unavailable: "본인인증 모듈을 불러오지 못했습니다. 네트워크를 확인하고 다시 시도해 주세요.",
    network: "서버에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.",
    guardian_required: "거의 다 됐어요! 만 {under}세가 안 된 사람은 법에 따라 부모님이나 보호자가 동의해야 가입할 수 있어요.",
    guardian_ask: "아래 QR 코드나 링크를 부모님께 보여 드리세요. 부모님이 직접 휴대폰으로 열고 본인인증을 하면 동의가 끝나요.",
    guardian_wait: "부모님이 동의하면 이 화면이 저절로 다음으로 넘어가요. 이 화면을 닫지 말고 기다려 주세요.",
    guardian_deadline: "{time}까지 부모님이 동의하지 않으면 인증한 정보는 모두 지워져요.",
    guardian_link: "부모님께 보낼 동의 링크",
    guardian_qr: "부모님 휴대폰 카메라로 찍으면 동의 페이지가 열리는 QR 코드",
    guardian_check: "동의했는지 다시 확인",
    new_user_with_consent: "부모님이 동의해 주셨어요. 가입이 끝났어요. 환영해요!",
    guardian_title: "보호자(법정대리인) 동의",
    guardian_intro:
      "{site}에서 만 {under}세 미만 자녀의 회원 가입에 대해 보호자(법정대리인)의 동의를 요청합니다. 개인정보 보호법 제22조의2에 따라 만 14세 미만 아동의 개인정보를 처리하려면 법정대리인의 동의가 필요합니다.",
    guardian_collected:
      "자녀에 대해 처리하는 정보: 이름, 생년월일, 성별, 그리고 한 사람이 계정을 하나만 갖도록 본인인증 결과로 받은 연계정보(CI·DI)를 되돌릴 수 없게 변환한 값. 이용 목적: 회원 가입, 나이 확인, 1인 1계정 유지. 자녀가 탈퇴하면 함께 지워집니다.",
    guardian_how:
      "동의하시려면 보호자 본인 명의의 휴대폰으로 본인인증을 해 주세요. 만 19세 이상만 동의할 수 있습니다. 보호자의 이름과 생년월일은 저장하지 않고, 동의했다는 사실과 그 시각만 기록합니다.",
    guardian_start: "본인인증하고 동의하기",
    guardian_consented: "동의가 완료되었습니다. 감사합니다. 자녀의 화면이 곧 다음 단계로 넘어갑니다.",
    this_service: "이 서비스",
    language: "English",
    errors: {
      invalid_request: "요청이 올바르지 않습니다.",
      payload_too_large: "요청이 너무 큽니다.",
      unsupported_media_type: "지원하지 않는 요청 형식입니다.",
      forbidden_origin: "허용되지 않은 사이트에서 보낸 요청입니다.",
      certification_not_found: "인증 결과를 찾을 수 없습니다. 다시 시도해 주세요.",
      unknown_merchant_uid: "이 사이트에서 시작한 인증이 아닙니다.",
      session_mismatch: "다른 브라우저에서 시작한 인증입니다. 이 브라우저에서 다시 시작해 주세요.",
      session_expired: "인증 시간이 만료되었습니다. 다시 시작해 주세요.",
      imp_uid_reused: "이미 사용된 인증입니다. 다시 시작해 주세요.",
      not_certified: "본인인증이 완료되지 않았습니다.",
      identity_unavailable: "인증 결과에 본인 확인 정보가 없습니다. 다른 방법으로 다시 시도해 주세요.",
      identity_conflict: "이 인증 정보가 서로 다른 두 계정에 연결되어 있습니다. 사이트 관리자에게 문의해 주세요.",
      age_restricted: "이용 가능한 나이가 아닙니다.",
      guardian_not_adult: "보호자 동의는 만 19세 이상 성인만 할 수 있습니다.",
      guardian_is_child: "자녀 본인은 동의할 수 없습니다. 부모님(보호자)의 휴대폰에서 링크를 열고, 보호자 명의로 인증해 주세요.",
      consent_expired: "동의 링크의 유효 시간이 지났습니다. 자녀가 처음부터 다시 인증해야 합니다.",
      consent_used: "이미 동의가 끝난 링크입니다.",
      rejoin_cooldown: "탈퇴 후 재가입 제한 기간이 지나지 않아 새 계정을 만들 수 없습니다.",
      unauthorized: "인증 키가 필요합니다.",
      user_not_found: "해당 사용자가 없습니다.",
      rate_limited: "시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.",
      upstream_unauthorized: "본인인증 서비스 설정에 문제가 있습니다. 사이트 관리자에게 문의해 주세요.",
      upstream_error: "본인인증 서비스에 문제가 생겼습니다. 잠시 후 다시 시도해 주세요.",
      upstream_timeout: "본인인증 서비스의 응답이 늦어지고 있습니다. 잠시 후 다시 시도해 주세요.",
      not_configured: "이 사이트에 본인인증이 설정되지 않았습니다.",
      not_found: "찾을 수 없습니다.",
      internal_error: "일시적인 오류가 발생했습니다. 다시 시도해 주세요.",
    } satisfies Record<ErrorCode, string>,
  },
  en: {
    title: "Mobile identity verification",
    intro: "Sign up and confirm your age with your mobile phone. We only receive your name and birthday from the verification.",
    start: "Verify with my phone",
    preparing: "Getting ready…",
    waiting: "Please complete the verification in the verification window…",
    verifying: "Checking the verification result…",
    retry: "Try again",
    back: "Start over",
    return_to_site: "Back to the site",
    requested_by: "{site} asks you to verify your identity. Once you are done, you go back to {site}.",
    age_limit_international: "This service is for people aged {n} or older.",
    age_limit_youth_act: "This service is open from 1 January of the year you turn {n}.",
    name_label: "Name",
    new_user: "Welcome! Your account has been created.",
    existing_user: "You are verified. You are already registered with this service, so no new account was created.",
    cancelled: "The verification was cancelled or failed.",
    sdk_unavailable: "The verification module could not be loaded. Check your connection and try again.",
    network: "Could not reach the server. Please try again shortly.",
    guardian_required: "Almost done! By law, anyone under {under} needs a parent or guardian to agree before they can join.",
    guardian_ask: "Show the QR code or the link below to your parent. They open it on their own phone and verify themselves to agree.",
    guardian_wait: "When your parent agrees, this page moves on by itself. Keep it open and wait.",
    guardian_deadline: "If your parent has not agreed by {time}, everything from your verification is deleted.",
    guardian_link: "Consent link for your parent",
    guardian_qr: "QR code that opens the consent page on your parent's phone camera",
    guardian_check: "Check again",
    new_user_with_consent: "Your parent agreed. You have joined. Welcome!",
    guardian_title: "Consent of a parent or legal guardian",
    guardian_intro:
      "{site} asks for the consent of a parent or legal guardian before a child under {under} joins. Under Korea's Personal Information Protection Act (Article 22-2), the personal data of a child under 14 may only be processed with a legal guardian's consent.",
    guardian_collected:
      "What is processed about the child: name, date of birth, gender, and an irreversible transformation of the identity keys (CI/DI) from the verification, so that each person has one account. Why: the sign-up, the age check, one account per person. It is deleted when the child leaves.",
    guardian_how:
      "To consent, verify yourself with a mobile phone in your own name. Only adults (19 or older) can consent. Your name and date of birth are not stored: only the fact that you consented, and when.",
    guardian_start: "Verify and consent",
    guardian_consented: "Thank you: your consent is recorded. Your child's page moves on shortly.",
    this_service: "This service",
    language: "한국어",
    errors: {
      invalid_request: "The request was not valid.",
      payload_too_large: "The request was too large.",
      unsupported_media_type: "The request format is not supported.",
      forbidden_origin: "Requests from this site are not allowed.",
      certification_not_found: "The verification result could not be found. Please try again.",
      unknown_merchant_uid: "This verification was not started on this site.",
      session_mismatch: "This verification was started in another browser. Please start again in this one.",
      session_expired: "The verification took too long and expired. Please start again.",
      imp_uid_reused: "This verification was already used. Please start again.",
      not_certified: "The identity verification was not completed.",
      identity_unavailable: "The verification did not include your identity. Please try another method.",
      identity_conflict: "This verification is linked to two different accounts. Please contact the site's administrator.",
      age_restricted: "You do not meet the minimum age for this service.",
      guardian_not_adult: "Only an adult (19 or older) can give a guardian's consent.",
      guardian_is_child:
        "The child cannot consent for themselves. Open the link on your parent's or guardian's phone, and have them verify in their own name.",
      consent_expired: "This consent link has expired. The child needs to verify again from the start.",
      consent_used: "Consent was already given through this link.",
      rejoin_cooldown: "You withdrew recently: a new account can be opened once the waiting period is over.",
      unauthorized: "A valid key is required.",
      user_not_found: "There is no such user.",
      rate_limited: "Too many attempts. Please wait a moment and try again.",
      upstream_unauthorized: "The verification service is misconfigured. Please contact the site's administrator.",
      upstream_error: "The verification service had a problem. Please try again shortly.",
      upstream_timeout: "The verification service is slow to answer. Please try again shortly.",
      not_configured: "Identity verification is not set up on this site.",
      not_found: "Not found.",
      internal_error: "Something went wrong on our side. Please try again.",
    } satisfies Record<ErrorCode, string>,
  },
} as const;

/** Korean when the browser prefers it over English, otherwise English. */
export function preferredLang(acceptLanguage: string | undefined): Lang {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.split("-")[0], q: q ? Number(q) : 1 };
    })
    .filter((e) => e.lang === "ko" || e.lang === "en")
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.lang === "ko" ? "ko" : "en";
}
