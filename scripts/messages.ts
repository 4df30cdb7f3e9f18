/// <reference types="node" />
// The page's texts as a static module: `npm run messages` writes static/messages.js from src/views/messages.ts (the
// one source the server's HTML pages use too), `npm run check` runs this with `--check` and fails when the file is
// not what the source says. The page imports it, so its ~20 KB of texts in both languages are a static file the
// browser keeps and revalidates, not part of every page the Worker renders.
import { readFileSync, writeFileSync } from "node:fs";
import { MESSAGES } from "../src/views/messages.ts";

export const MODULE_PATH = "static/messages.js";

export const messagesModule = () =>
  `// Generated from src/views/messages.ts by \`npm run messages\`: edit that file, not this one.\nexport default ${JSON.stringify(MESSAGES, null, 2)};\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--check")) {
    if (readFileSync(MODULE_PATH, "utf8") !== messagesModule()) {
      console.error(`${MODULE_PATH} is not what src/views/messages.ts says: run npm run messages`);
      process.exit(1);
    }
  } else {
    writeFileSync(MODULE_PATH, messagesModule());
  }
}
