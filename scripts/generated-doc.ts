/// <reference types="node" />
// What the generated reference pages (docs/errors.md, docs/configuration.md) share: each entry of the code's table
// has the docs' words for it, and `--check` compares the page with what it would write.
import { readFileSync, writeFileSync } from "node:fs";

export interface GeneratedDoc {
  /** The page, e.g. docs/errors.md. */
  path: string;
  /** Where its facts come from, and the npm script that writes it. */
  source: string;
  script: string;
  /** The code's entries and the docs' words for them: each must have the other. */
  entries: string[];
  explained: string[];
  render(): string;
}

/** Writes the page, or with `--check` fails when it is not what its source says; an entry without words fails either way. */
export function writeOrCheck(doc: GeneratedDoc): void {
  const missing = doc.entries.filter((e) => !doc.explained.includes(e));
  const extra = doc.explained.filter((e) => !doc.entries.includes(e));
  if (missing.length > 0 || extra.length > 0) {
    console.error(
      `${doc.path}: in ${doc.source} without the docs' words: ${missing.join(", ") || "none"}; words for nothing there: ${extra.join(", ") || "none"}`,
    );
    process.exit(1);
  }
  if (!process.argv.includes("--check")) {
    writeFileSync(doc.path, doc.render());
  } else if (readFileSync(doc.path, "utf8") !== doc.render()) {
    console.error(`${doc.path} is not what ${doc.source} says: run npm run ${doc.script}`);
    process.exit(1);
  }
}
