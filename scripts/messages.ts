/// <reference types="node" />
// Texts as static files: `npm run messages` writes static/messages-ko.js and static/messages-en.js from
// src/views/messages.ts (the one source the server's HTML pages use too) and static/console-texts.json from
// src/views/console-texts.ts; `npm run check` runs this with `--check` and fails when a file is not what its source
// says. The page imports its texts, a module per language (~10 KB each): static files the browser keeps and
// revalidates, not part of every page the Worker renders, and only the page's language is fetched until a person
// switches — the other one then;
// the operator console's texts are read from the static assets by the console's own route, so they never ship in
// the Worker's bundle.
import { readFileSync, writeFileSync } from "node:fs";
import { CONSOLE_TEXTS } from "../src/views/console-texts.ts";
import { MESSAGES } from "../src/views/messages.ts";

export const LANGS = Object.keys(MESSAGES) as (keyof typeof MESSAGES)[];
export const modulePath = (lang: keyof typeof MESSAGES) => `static/messages-${lang}.js`;
export const CONSOLE_TEXTS_PATH = "static/console-texts.json";

export const messagesModule = (lang: keyof typeof MESSAGES) =>
  `// Generated from src/views/messages.ts by \`npm run messages\`: edit that file, not this one.\nexport default ${JSON.stringify(MESSAGES[lang], null, 2)};\n`;

export const consoleTexts = () => `${JSON.stringify(CONSOLE_TEXTS)}\n`;

const FILES: [string, () => string, string][] = [
  ...LANGS.map((lang): [string, () => string, string] => [modulePath(lang), () => messagesModule(lang), "src/views/messages.ts"]),
  [CONSOLE_TEXTS_PATH, consoleTexts, "src/views/console-texts.ts"],
];

if (import.meta.url === `file://${process.argv[1]}`) {
  let stale = false;
  for (const [path, make, source] of FILES) {
    if (!process.argv.includes("--check")) writeFileSync(path, make());
    else if (readFileSync(path, "utf8") !== make()) {
      console.error(`${path} is not what ${source} says: run npm run messages`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
}
