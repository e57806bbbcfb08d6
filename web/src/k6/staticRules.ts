/**
 * The seed's static k6 rules, the same as the backend's first validation step (backend/tests/validation.py):
 * a k6 import, a default export, no Node.js modules; `export const options` only advised.
 * The editor shows these at once; the server's answer (which adds a real `k6 inspect`) replaces them.
 */

export interface StaticIssue {
  message: string;
  rule: string;
  severity: "error" | "warning";
  line: number | null;
  column: number | null;
}

const NODE_MODULES = ["fs", "path", "child_process", "net", "http", "https", "crypto", "os"];
const NODE = NODE_MODULES.join("|");
const NODE_SPEC = String.raw`['"]((?:node:)?(?:${NODE})(?:/[\w/]*)?)['"]`;
const NODE_IMPORT = new RegExp(
  String.raw`\bimport\b[^;'"]*?\bfrom\s*${NODE_SPEC}|\bimport\s*${NODE_SPEC}|\b(?:require|import)\s*\(\s*${NODE_SPEC}\s*\)`,
  "g",
);
const K6_IMPORT = /\bimport\b[^;'"]*?\bfrom\s*(['"])k6(?:\/[^'"]*)?\1/;
const DEFAULT_EXPORT =
  /\bexport\s+default\s+(?:async\s+)?(?:function\b|(?:\([^)]*\)|[\w$]+)\s*=>)|\bexport\s*\{[^}]*\bas\s+default\b/;
const OPTIONS_EXPORT = /\bexport\s+(?:const|let|var)\s+options\s*=/;

/** Comments replaced by spaces (line breaks kept), so commented-out code neither counts nor gets flagged. */
export function blankComments(script: string): string {
  const out = script.split("");
  const n = script.length;
  let quote = "";
  let i = 0;
  while (i < n) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote || (ch === "\n" && quote !== "`")) quote = "";
    } else if (ch === "'" || ch === '"' || ch === "`") {
      quote = ch;
    } else if (ch === "/" && (next === "/" || next === "*")) {
      let end: number;
      if (next === "/") {
        end = script.indexOf("\n", i);
        if (end === -1) end = n;
      } else {
        end = script.indexOf("*/", i + 2);
        end = end === -1 ? n : end + 2;
      }
      for (let j = i; j < end; j++) out[j] = script[j] === "\n" ? "\n" : " ";
      i = end;
      continue;
    }
    i++;
  }
  return out.join("");
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function error(message: string, rule: string, line: number | null = null): StaticIssue {
  return { message, rule, severity: "error", line, column: null };
}

export function staticIssues(script: string): StaticIssue[] {
  if (!script.trim()) return [error("Script is empty", "empty")];
  const code = blankComments(script);
  const issues: StaticIssue[] = [];
  if (!K6_IMPORT.test(code)) {
    issues.push(error('Script must import from k6 modules (e.g., import http from "k6/http")', "k6-import"));
  }
  if (!DEFAULT_EXPORT.test(code)) issues.push(error("Script must export a default function", "default-export"));
  for (const match of code.matchAll(NODE_IMPORT)) {
    const module = match[1] ?? match[2] ?? match[3];
    issues.push(
      error(
        `k6 does not support Node.js module "${module}". Use k6 built-in modules instead.`,
        "node-module",
        lineOf(code, match.index ?? 0),
      ),
    );
  }
  if (!OPTIONS_EXPORT.test(code)) {
    issues.push({
      message: 'Consider adding "export const options" to configure VUs, duration, and thresholds',
      rule: "options-missing",
      severity: "warning",
      line: null,
      column: null,
    });
  }
  return issues;
}
