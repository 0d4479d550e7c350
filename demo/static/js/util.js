/* Small helpers shared by the panels. Server text is only ever written with textContent. */

export const LANG_NAMES = { en: "English", fr: "Français", ar: "العربية" };

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function percent(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  return Math.round(value * 100) + "%";
}

export function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}
