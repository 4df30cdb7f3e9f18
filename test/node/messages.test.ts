/// <reference types="node" />
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LANGS, messagesModule, modulePath } from "../../scripts/messages";
import { MESSAGES } from "../../src/views/messages";

describe("the page's texts (static/messages-{ko,en}.js, imported by static/app.js)", () => {
  it("are what src/views/messages.ts says now (npm run messages writes them, npm run check compares)", () => {
    for (const lang of LANGS) expect(readFileSync(modulePath(lang), "utf8")).toBe(messagesModule(lang));
  });

  it("are a module per language whose default export is that language's texts", async () => {
    expect(LANGS).toEqual(["ko", "en"]);
    for (const lang of LANGS) {
      const { default: texts } = await import(`data:text/javascript,${encodeURIComponent(readFileSync(modulePath(lang), "utf8"))}`);
      expect(texts).toEqual(MESSAGES[lang]);
    }
  });
});
