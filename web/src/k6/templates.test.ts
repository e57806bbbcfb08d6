import { describe, expect, it } from "vitest";
import { staticIssues } from "./staticRules";
import { DEFAULT_TEMPLATE, PLACEHOLDER_URL, TEMPLATES } from "./templates";

describe("k6 templates", () => {
  it("cover the common load shapes", () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(["default", "smoke", "load", "stress", "spike", "soak", "breakpoint"]);
    expect(DEFAULT_TEMPLATE.script).toContain("vus: 10");
    expect(DEFAULT_TEMPLATE.script).toContain("duration: '30s'");
    expect(DEFAULT_TEMPLATE.script).toContain("http_req_duration: ['p(95)<500']");
  });

  it.each(TEMPLATES.map((t) => [t.id, t.script] as const))("%s passes the static k6 rules cleanly", (_id, script) => {
    expect(staticIssues(script)).toEqual([]);
  });

  it.each(TEMPLATES.map((t) => [t.id, t.script] as const))("%s targets the placeholder URL", (_id, script) => {
    expect(script).toContain(`const TARGET_URL = '${PLACEHOLDER_URL}';`);
    expect(script).toContain("http.get(TARGET_URL)");
  });

  it("ramping shapes use stages and the breakpoint aborts on failure", () => {
    for (const id of ["load", "stress", "spike", "soak"]) {
      expect(TEMPLATES.find((t) => t.id === id)?.script).toContain("stages:");
    }
    const breakpoint = TEMPLATES.find((t) => t.id === "breakpoint")!.script;
    expect(breakpoint).toContain("ramping-arrival-rate");
    expect(breakpoint).toContain("abortOnFail: true");
  });
});

describe("static k6 rules (as the backend's)", () => {
  const rules = (script: string) => staticIssues(script).map((i) => `${i.severity}:${i.rule}`);

  it("flags an empty script", () => {
    expect(rules("   \n")).toEqual(["error:empty"]);
  });

  it("requires a k6 import and a default export; options only advised", () => {
    expect(rules("const x = 1;")).toEqual(["error:k6-import", "error:default-export", "warning:options-missing"]);
    expect(rules("import http from 'k6/http';\nexport default () => http.get('x');")).toEqual([
      "warning:options-missing",
    ]);
  });

  it("names Node.js modules with their line, but not k6/http", () => {
    const script = "import http from 'k6/http';\nimport fs from 'fs';\nconst cp = require('node:child_process');\nexport const options = {};\nexport default function () {}";
    const issues = staticIssues(script).filter((i) => i.rule === "node-module");
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [2, 'k6 does not support Node.js module "fs". Use k6 built-in modules instead.'],
      [3, 'k6 does not support Node.js module "node:child_process". Use k6 built-in modules instead.'],
    ]);
  });

  it("ignores commented-out code", () => {
    const script = "// import http from 'k6/http';\n/* export default function () {} */\nimport { sleep } from 'k6';\n// import fs from 'fs';\nexport const options = {};\nexport default function () { sleep(1); }";
    expect(rules(script)).toEqual([]);
    expect(rules("/* import http from 'k6/http' */ export default function () {}")).toContain("error:k6-import");
  });
});
