import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Overview } from "../db/console";
import { ERRORS, type ErrorCode } from "../errors";
import type { CONSOLE_TEXTS } from "./console-texts";
import type { Lang } from "./messages";
import { documentStart } from "./result-page";

/**
 * The operator console's page: the counts as charts — SVG drawn here, with no script and no library (a column chart
 * and bars beside table rows are a few rectangles; a chart library would be the page's heaviest part, and a script the
 * page's CSP need not allow) — each with its numbers as a table, and the state the operator acts on. Nothing on it is
 * about a person but the `sub` an operator typed into the audit log.
 */

/** What the counts call a verification that went through (everything else counted is a refusal). */
const SUCCESSES = new Set(["new_user", "existing_user", "guardian_required", "guardian_consented"]);
/** Outcomes that are not error codes (a step-up's mismatch is an outcome of its own, and a refusal). */
const OUTCOMES = new Set([...SUCCESSES, "identity_mismatch"]);

/** The console's words in one language: static/console-texts.json (generated from ./console-texts.ts), never bundled. */
export type ConsoleTexts = (typeof CONSOLE_TEXTS)["ko"];

export const NOTICES = [
  "redelivered",
  "redeliver_not_found",
  "erased",
  "erase_not_found",
  "erase_invalid",
] as const satisfies readonly (keyof ConsoleTexts["notices"])[];
export type Notice = (typeof NOTICES)[number];

export interface ConsoleView {
  lang: Lang;
  texts: ConsoleTexts;
  serviceTitle: (title: string) => string;
  sandbox: boolean;
  /** The days shown, oldest first (`YYYY-MM-DD`, Asia/Seoul). */
  days: string[];
  overview: Overview;
  currentKeyId: string;
  signingKeys: { kid: string; alg: string; current: boolean }[];
  clients: { id: string; name: string; confidential: boolean; subjectType: string; webhook: boolean }[];
  problems: string[];
  notice?: Notice;
}

interface Split {
  ok: number;
  refused: number;
}

const add = <K>(map: Map<K, Split>, key: K, ok: boolean, n: number) => {
  const entry = map.get(key) ?? { ok: 0, refused: 0 };
  if (ok) entry.ok += n;
  else entry.refused += n;
  map.set(key, entry);
};

/** The counts, summed the ways the page shows them. */
export function tally(view: Pick<ConsoleView, "days" | "overview">) {
  const perDay = new Map<string, Split>(view.days.map((d) => [d, { ok: 0, refused: 0 }]));
  const byOutcome = new Map<string, number>();
  const byError = new Map<string, { count: number; pgCodes: Map<string, number> }>();
  const byClient = new Map<string, Split>();
  const byProvider = new Map<string, Split>();
  for (const row of view.overview.counts) {
    const ok = SUCCESSES.has(row.outcome);
    add(perDay, row.day, ok, row.count);
    add(byClient, row.clientId, ok, row.count);
    add(byProvider, `${row.provider}\u0000${row.pg}`, ok, row.count);
    if (OUTCOMES.has(row.outcome)) byOutcome.set(row.outcome, (byOutcome.get(row.outcome) ?? 0) + row.count);
    if (!OUTCOMES.has(row.outcome)) {
      const e = byError.get(row.outcome) ?? { count: 0, pgCodes: new Map() };
      e.count += row.count;
      if (row.pgCode) e.pgCodes.set(row.pgCode, (e.pgCodes.get(row.pgCode) ?? 0) + row.count);
      byError.set(row.outcome, e);
    }
  }
  const total = [...perDay.values()].reduce((sum, d) => ({ ok: sum.ok + d.ok, refused: sum.refused + d.refused }), { ok: 0, refused: 0 });
  const desc = <V>(map: Map<string, V>, n: (v: V) => number) => [...map].sort((a, b) => n(b[1]) - n(a[1]) || a[0].localeCompare(b[0]));
  return {
    perDay: [...perDay].filter(([day]) => view.days.includes(day)),
    total,
    byOutcome: desc(byOutcome, (n) => n),
    byError: desc(byError, (e) => e.count),
    byClient: desc(byClient, (s) => s.ok + s.refused),
    byProvider: desc(byProvider, (s) => s.ok + s.refused),
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? "–" : `${((100 * part) / whole).toFixed(1)}%`);

/** A time as operators in Korea read it. */
const kst = (lang: Lang, ms: number) =>
  `${new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", dateStyle: "short", timeStyle: "short" }).format(ms)} KST`;

/** A horizontal bar for a table row: its share of the largest, split into succeeded and refused. */
function bar(split: Split, max: number) {
  const w = (n: number) => (max === 0 ? 0 : (100 * n) / max).toFixed(2);
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="ok" width="${w(split.ok)}" height="10"/><rect class="refused" x="${w(split.ok)}" width="${w(split.refused)}" height="10"/></svg>`;
}

/** The column chart of succeeded and refused verifications per day (its numbers are the table after it). */
function dayChart(perDay: [string, Split][]) {
  const W = 600;
  const H = 150;
  const max = Math.max(1, ...perDay.map(([, s]) => s.ok + s.refused));
  const step = W / Math.max(1, perDay.length);
  const y = (n: number) => (H * n) / max;
  const bars = perDay.map(([day, s], i) => {
    const x = (i * step + step * 0.15).toFixed(1);
    const width = (step * 0.7).toFixed(1);
    return html`<g data-day="${day}"><rect class="ok" x="${x}" y="${(H - y(s.ok)).toFixed(1)}" width="${width}" height="${y(s.ok).toFixed(1)}"/><rect class="refused" x="${x}" y="${(H - y(s.ok) - y(s.refused)).toFixed(1)}" width="${width}" height="${y(s.refused).toFixed(1)}"/></g>`;
  });
  const first = perDay[0]?.[0] ?? "";
  const last = perDay.at(-1)?.[0] ?? "";
  // Stretched to the width and height CSS gives it (preserveAspectRatio none): its labels are HTML, not SVG text.
  return html`<svg class="chart" id="chart-per-day" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" aria-hidden="true" focusable="false">
<line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}" vector-effect="non-scaling-stroke"/>${bars}
</svg>
<p class="ticks" aria-hidden="true"><span>${first.slice(5)}</span><span>max ${max}</span><span>${last.slice(5)}</span></p>`;
}

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;
/** A column's header: its text (`#` first: a number, aligned to the end), or null for a column without one. */
type Column = string | null;

/**
 * A table in a region that scrolls sideways on a narrow screen (focusable, so a keyboard can scroll it) — or, with no
 * rows, the sentence that says so.
 */
function table(label: string, columns: Column[], rows: Html[], none: Html | string = "") {
  if (rows.length === 0) return none;
  const head = columns.map((c) =>
    c === null ? html`<td></td>` : c.startsWith("#") ? html`<th scope="col" class="n">${c.slice(1)}</th>` : html`<th scope="col">${c}</th>`,
  );
  return html`<div class="scroll" role="region" aria-label="${label}" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function renderConsole(v: ConsoleView) {
  const t = v.texts;
  const other: Lang = v.lang === "ko" ? "en" : "ko";
  const q = `?lang=${v.lang}`;
  const s = tally(v);
  const all = s.total.ok + s.total.refused;
  const legend = html`<p class="legend" aria-hidden="true"><span class="key ok"></span> ${t.succeeded} <span class="key refused"></span> ${t.refused}</p>`;
  const noData = html`<p>${t.no_data}</p>`;
  /** Rows of succeeded and refused counts, their rate and a bar, under a column named `head`. */
  const splitTable = (label: string, head: string, rows: [string, Split][], name: (key: string) => string, kind: string) => {
    const max = Math.max(0, ...rows.map(([, r]) => r.ok + r.refused));
    return table(
      label,
      [head, `#${t.succeeded}`, `#${t.refused}`, `#${t.rate}`, null],
      rows.map(
        ([key, r]) =>
          html`<tr data-${kind}="${key}"><th scope="row">${name(key)}</th><td class="n">${r.ok}</td><td class="n">${r.refused}</td><td class="n">${percent(r.ok, r.ok + r.refused)}</td><td class="bar-cell">${bar(r, max)}</td></tr>`,
      ),
      noData,
    );
  };
  const outcomeMax = Math.max(0, ...s.byOutcome.map(([, n]) => n));
  const errorMax = Math.max(0, ...s.byError.map(([, e]) => e.count));
  const grants = new Map(v.overview.grantsByClient.map((g) => [g.clientId, g.grants]));
  const previousAccounts = v.overview.previousKeyAccounts;
  const deliveries = new Map<string, { pending: number; failed: number }>();
  for (const d of v.overview.deliveries) {
    const entry = deliveries.get(d.clientId) ?? { pending: 0, failed: 0 };
    entry[d.status] += d.events;
    deliveries.set(d.clientId, entry);
  }
  const clientLabel = (id: string) => (id === "" ? t.page_flow : id);
  return html`${documentStart(v.lang, v.serviceTitle(t.title), "same-origin", "/admin.css")}
<body>
<main class="console">
<header>
<h1>${t.title}</h1>
<a class="link" href="/admin?lang=${other}" lang="${other}">${v.lang === "ko" ? "English" : "한국어"}</a>
</header>
${v.sandbox ? html`<p><span class="badge">SANDBOX</span></p>` : ""}
${v.notice ? html`<p class="notice" role="status" data-notice="${v.notice}">${t.notices[v.notice]}</p>` : ""}
<p class="intro">${t.intro}</p>

<section aria-labelledby="summary"><h2 id="summary">${t.summary}</h2>
<dl class="figures">
<div><dt>${t.total}</dt><dd data-figure="total">${all}</dd></div>
<div><dt>${t.succeeded}</dt><dd data-figure="succeeded">${s.total.ok}</dd></div>
<div><dt>${t.refused}</dt><dd data-figure="refused">${s.total.refused}</dd></div>
<div><dt>${t.rate}</dt><dd data-figure="rate">${percent(s.total.ok, all)}</dd></div>
</dl>
</section>

<section aria-labelledby="per-day"><h2 id="per-day">${t.per_day}</h2>
${legend}
${dayChart(s.perDay)}
<table class="sr-only"><caption>${t.per_day_chart}</caption><thead><tr><th scope="col">${t.day}</th><th scope="col">${t.succeeded}</th><th scope="col">${t.refused}</th></tr></thead>
<tbody>${s.perDay.map(([day, d]) => html`<tr><th scope="row">${day}</th><td>${d.ok}</td><td>${d.refused}</td></tr>`)}</tbody></table>
</section>

<section aria-labelledby="outcomes"><h2 id="outcomes">${t.by_outcome}</h2>
${table(
  t.by_outcome,
  [t.outcome, `#${t.count}`, null],
  s.byOutcome.map(
    ([outcome, n]) =>
      html`<tr data-outcome="${outcome}"><th scope="row">${t.outcomes[outcome] ?? outcome} <code>${outcome}</code></th><td class="n">${n}</td><td class="bar-cell">${bar(SUCCESSES.has(outcome) ? { ok: n, refused: 0 } : { ok: 0, refused: n }, outcomeMax)}</td></tr>`,
  ),
  noData,
)}
</section>

<section aria-labelledby="errors"><h2 id="errors">${t.by_error}</h2>
${table(
  t.by_error,
  [t.code, `#${t.count}`, t.meaning, t.pg_codes],
  s.byError.map(
    ([code, e]) =>
      html`<tr data-error="${code}"><th scope="row"><code>${code}</code>${bar({ ok: 0, refused: e.count }, errorMax)}</th><td class="n">${e.count}</td><td>${code in ERRORS ? t.help[code as ErrorCode] : ""}</td><td>${[...e.pgCodes].map(([pg, n]) => html`<code>${pg}</code> ${n} `)}</td></tr>`,
  ),
  noData,
)}
</section>

<section aria-labelledby="by-client"><h2 id="by-client">${t.by_client}</h2>
${splitTable(t.by_client, t.client, s.byClient, clientLabel, "client")}
</section>

<section aria-labelledby="by-provider"><h2 id="by-provider">${t.by_provider}</h2>
${splitTable(
  t.by_provider,
  `${t.provider} · ${t.pg}`,
  s.byProvider,
  (key) => {
    const [provider, pg] = key.split("\u0000");
    return `${provider} · ${pg || t.pg_any}`;
  },
  "provider",
)}
</section>

<section aria-labelledby="config"><h2 id="config">${t.config}</h2>
${v.problems.length === 0 ? html`<p data-config="ok">${t.config_ok}</p>` : html`<p>${t.config_problems}</p><ul data-config="problems">${v.problems.map((p) => html`<li><code>${p}</code></li>`)}</ul>`}
</section>

<section aria-labelledby="keys"><h2 id="keys">${t.keys}</h2>
<h3>${t.rotation}</h3>
<p data-rotation-left="${previousAccounts}">${previousAccounts === 0 ? t.rotation_done : t.rotation_left.replace("{n}", String(previousAccounts))}</p>
<p>${t.key_id} (${t.current}): <code>${v.currentKeyId}</code></p>
<h3>${t.signing_keys}</h3>
${table(
  t.signing_keys,
  [t.kid, t.alg, null],
  v.signingKeys.map((k) => html`<tr><th scope="row"><code>${k.kid}</code></th><td>${k.alg}</td><td>${k.current ? t.current : t.previous}</td></tr>`),
  html`<p>${t.no_signing_keys}</p>`,
)}
</section>

<section aria-labelledby="webhooks"><h2 id="webhooks">${t.webhooks}</h2>
${table(
  t.webhooks,
  [t.client, `#${t.pending}`, `#${t.failed}`],
  [...deliveries].map(
    ([client, d]) =>
      html`<tr data-deliveries="${client}"><th scope="row">${client}</th><td class="n">${d.pending}</td><td class="n">${d.failed}</td></tr>`,
  ),
  html`<p data-webhooks="none">${t.no_webhooks}</p>`,
)}
${v.overview.failed.length === 0 ? "" : html`<h3>${t.failed_events}</h3>`}
${table(
  t.failed_events,
  [t.event, t.client, t.type, `#${t.tries}`, t.last_status, t.last_try, null],
  v.overview.failed.map(
    (e) =>
      html`<tr data-event="${e.id}"><th scope="row"><code>${e.id}</code></th><td>${e.clientId}</td><td>${e.type}</td><td class="n">${e.tries}</td><td>${e.lastStatus ? e.lastStatus : t.no_answer}</td><td>${e.lastTryAt === null ? "–" : kst(v.lang, e.lastTryAt)}</td>
<td><form method="post" action="/admin/events/${e.id}/redeliver${q}"><button type="submit" class="small" aria-label="${t.redeliver} ${e.id}">${t.redeliver}</button></form></td></tr>`,
  ),
)}
</section>

<section aria-labelledby="clients"><h2 id="clients">${t.clients}</h2>
${table(
  t.clients,
  [t.client, t.client_type, t.subject, t.webhook, `#${t.grants}`],
  v.clients.map(
    (c) =>
      html`<tr data-client="${c.id}"><th scope="row">${c.id}${c.name !== c.id ? html` <span class="muted">${c.name}</span>` : ""}</th><td>${c.confidential ? t.confidential : t.public}</td><td>${c.subjectType}</td><td>${c.webhook ? t.yes : t.no}</td><td class="n" data-grants>${grants.get(c.id) ?? 0}</td></tr>`,
  ),
  html`<p>${t.no_clients}</p>`,
)}
</section>

<section aria-labelledby="erase"><h2 id="erase">${t.erase}</h2>
<p>${t.erase_intro}</p>
${
  v.clients.length === 0
    ? html`<p>${t.no_clients}</p>`
    : html`<form class="erase" method="post" action="/admin/erase${q}">
<label for="erase-client">${t.client}</label>
<select id="erase-client" name="client_id" required>${v.clients.map((c) => html`<option value="${c.id}">${c.id}</option>`)}</select>
<label for="erase-sub">${t.sub}</label>
<input id="erase-sub" name="sub" required autocomplete="off" spellcheck="false" maxlength="100">
<button type="submit" class="danger">${t.erase_button}</button>
</form>`
}
</section>

<section aria-labelledby="audit"><h2 id="audit">${t.audit}</h2>
${table(
  t.audit,
  [t.when, t.who, t.action, t.target, t.result],
  v.overview.audit.map(
    (a) =>
      html`<tr data-audit="${a.action}"><th scope="row">${kst(v.lang, a.at)}</th><td>${a.actor}</td><td>${t.actions[a.action]}</td><td><code>${a.target}</code></td><td>${t.results[a.result as "done"] ?? a.result}</td></tr>`,
  ),
  html`<p>${t.no_audit}</p>`,
)}
</section>
</main>
</body>
</html>`;
}
