/* Small helpers shared by the panels. Server text is only ever written with textContent. */

export const LANG_NAMES = { en: "English", fr: "Français", ar: "العربية" };

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** `bytes` random bytes as hex digits: ids the server checks as such (demo/handlers.py). */
export function randomHex(bytes) {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// A code typed among words (a reference such as CIV-2026-00042, in any digits): shown left to
// right as typed. Left to the bidi algorithm, Eastern Arabic digit groups after a Latin prefix
// swap places (CIV-٢٠٢٦-٠٠٤٢ would read CIV-٠٠٤٢-٢٠٢٦).
const CODE = /[A-Za-z\p{Nd}]+(?:[-/.:_][A-Za-z\p{Nd}]+)+/gu;

/** `text` as nodes, codes in it isolated left to right (<bdo dir="ltr">). */
export function textWithCodes(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of String(text).matchAll(CODE)) {
    if (!/[A-Za-z]/.test(match[0]) || !/\p{Nd}/u.test(match[0])) continue;
    fragment.append(text.slice(last, match.index));
    const code = make("bdo", "code", match[0]);
    code.dir = "ltr";
    fragment.append(code);
    last = match.index + match[0].length;
  }
  fragment.append(String(text).slice(last));
  return fragment;
}

/** An identifier (intent_name, /v1/path) that may wrap after "_" and "/" only, never mid-word. */
export function breakable(identifier) {
  const fragment = document.createDocumentFragment();
  for (const part of String(identifier).split(/(?<=[_/])/)) {
    fragment.append(part);
    fragment.appendChild(document.createElement("wbr"));
  }
  return fragment;
}
