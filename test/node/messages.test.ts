/// <reference types="node" />
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MODULE_PATH, messagesModule } from "../../scripts/messages";
import { MESSAGES } from "../../src/views/messages";

describe("the page's texts (static/messages.js, imported by static/app.js)", () => {
  it("are what src/views/messages.ts says now (npm run messages writes them, npm run check compares)", () => {
    expect(readFileSync(MODULE_PATH, "utf8")).toBe(messagesModule());
  });

  it("are a module whose default export is both languages' texts", async () => {
    const { default: texts } = await import(`data:text/javascript,${encodeURIComponent(readFileSync(MODULE_PATH, "utf8"))}`);
    expect(texts).toEqual(MESSAGES);
    expect(Object.keys(texts)).toEqual(["ko", "en"]);
  });
});
