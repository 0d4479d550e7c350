/* The inspector: a card for each citizen message, refreshed from the conversation's turns.
 *
 * In plain words for the audience: what the assistant understood and how sure it was, which
 * agency's system it asked and how long that took. The technical view (a click away, for
 * engineers) adds the intent names, entities, slots, actions, registry calls and payloads.
 */

import { ApiError, api } from "./api.js";
import { notice, setChatLanguage } from "./chat.js";
import { serviceNames } from "./catalogue.js";
import { currentLang, formatMs, formatPercent, t, understoodLabel } from "./i18n.js";
import { el, state } from "./state.js";
import { LANG_NAMES, breakable, make, show, textWithCodes } from "./util.js";

const SERVICE_PATH = /^\/v1\/services\/([^/?]+)/;
const FALLBACK_ACTION = "action_fallback";

function field(dl, label, className, content) {
  const dt = make("dt", "", label);
  const dd = make("dd", className);
  if (content instanceof Node) dd.appendChild(content);
  else dd.textContent = content;
  dl.append(dt, dd);
  return dd;
}

function confidenceLevel(c) {
  if (typeof c !== "number") return "none";
  if (c >= 0.7) return "high";
  if (c >= 0.4) return "medium";
  return "low";
}

function listOf(items, render, className = "") {
  if (!items || items.length === 0) return document.createTextNode("—");
  const ul = make("ul", "list " + className);
  for (const item of items) ul.appendChild(render(item));
  return ul;
}

/** The service a turn is about: set in it, named in its answer, or carried from before. */
function serviceOf(turn, before) {
  const fromPayload = (turn.payloads || []).map((p) => p && p.service_id).find(Boolean);
  return (turn.slots && turn.slots.service_id) || fromPayload || before || null;
}

/** The systems asked while answering, by agency when the call was about one service. */
function systemsAsked(calls, services) {
  const systems = new Map();
  for (const call of calls || []) {
    const match = SERVICE_PATH.exec(call.path || "");
    const service = match && services[decodeURIComponent(match[1])];
    const name = service ? service.agency : t("registry");
    const seen = systems.get(name) || { ms: 0, failed: false };
    seen.ms += typeof call.ms === "number" ? call.ms : 0;
    seen.failed ||= !(Number(call.status) < 400);
    systems.set(name, seen);
  }
  return systems;
}

function plainSummary(turn, service, services) {
  const box = make("div", "summary");
  const understood = make("p", "understood");
  understood.appendChild(make("span", "summary-label", t("understood")));
  const intent = turn.intent;
  const fellBack = (turn.actions || []).includes(FALLBACK_ACTION);
  const label = intent && !fellBack ? understoodLabel(intent.name) : null;
  const what = [label, service && services[service] ? services[service].title : null].filter(Boolean);
  understood.appendChild(make("span", "summary-value", what.length ? what.join(" · ") : "—"));
  const confidence = intent && typeof intent.confidence === "number" ? intent.confidence : null;
  const sure = make("span", "sure confidence-" + (fellBack ? "low" : confidenceLevel(confidence)),
    fellBack || confidence === null ? t("not_sure") : t("sure", { percent: formatPercent(confidence) }));
  understood.appendChild(sure);
  box.appendChild(understood);

  const asked = make("p", "asked");
  asked.appendChild(make("span", "summary-label", t("asked")));
  const systems = systemsAsked(turn.registry_calls, services);
  if (!systems.size) asked.appendChild(make("span", "summary-value muted", t("nothing_asked")));
  for (const [name, { ms, failed }] of systems) {
    const system = make("span", "summary-value system" + (failed ? " failed" : ""));
    system.append(name + " ");
    system.appendChild(make("span", "ms", failed ? t("failed_call") : formatMs(ms)));
    asked.appendChild(system);
  }
  box.appendChild(asked);
  return box;
}

function technicalFacts(turn) {
  const dl = make("dl", "facts technical");
  const lang = field(dl, t("language"), "language", turn.lang || "—");
  if (turn.lang) lang.title = LANG_NAMES[turn.lang] || turn.lang;

  const intent = turn.intent || null;
  const conf = intent ? intent.confidence : null;
  const intentBox = make("div", "intent confidence-" + confidenceLevel(conf));
  const intentName = make("bdi", "intent-name");
  intentName.append(breakable(intent ? intent.name : "—"));
  intentBox.appendChild(intentName);
  const confBox = make("span", "intent-confidence", intent && typeof conf === "number" ? formatPercent(conf) : "");
  if (intent && typeof conf === "number") {
    const bar = make("span", "bar");
    bar.setAttribute("aria-hidden", "true");
    const fill = make("span", "fill");
    fill.style.width = Math.max(0, Math.min(100, conf * 100)).toFixed(1) + "%";
    bar.appendChild(fill);
    confBox.appendChild(bar);
  }
  intentBox.appendChild(confBox);
  field(dl, t("intent"), "", intentBox);

  const ru = turn.runner_up;
  field(dl, t("runner_up"), "runner-up", ru ? `${ru.name} ${formatPercent(ru.confidence)}` : "—");

  field(dl, t("entities"), "entities", listOf(turn.entities, (e) => {
    const li = make("li");
    li.appendChild(make("span", "entity-name", e.entity));
    li.appendChild(document.createTextNode(" = "));
    li.appendChild(make("bdi", "entity-value", show(e.value)));
    if (e.extractor) li.appendChild(make("span", "extractor", ` · ${e.extractor}`));
    return li;
  }));

  const slots = turn.slots && typeof turn.slots === "object" ? Object.entries(turn.slots) : [];
  field(dl, t("slots"), "slots", listOf(slots, ([name, value]) => {
    const li = make("li");
    li.appendChild(make("span", "slot-name", name));
    li.appendChild(document.createTextNode(" = "));
    li.appendChild(make("bdi", "slot-value", show(value)));
    return li;
  }));

  field(dl, t("actions"), "actions", listOf(turn.actions, (a) => {
    const li = make("li");
    li.append(breakable(show(a)));
    return li;
  }));

  field(dl, t("registry_calls"), "registry-calls", listOf(turn.registry_calls, (c) => {
    const status = Number(c.status);
    const li = make("li", status >= 400 || !status ? "call failed" : "call");
    const ms = typeof c.ms === "number" ? `${Math.round(c.ms)} ms` : "— ms";
    li.append(breakable(`${c.method || "GET"} ${c.path || ""} · ${c.status ?? "—"} · ${ms}`));
    li.dir = "ltr";
    return li;
  }));

  const payloads = Array.isArray(turn.payloads) ? turn.payloads : [];
  const pre = make("pre", "json", payloads.length ? JSON.stringify(payloads, null, 2) : "—");
  pre.setAttribute("dir", "ltr");
  pre.tabIndex = 0;   // it scrolls: reachable by keyboard
  field(dl, t("payload"), "payload", pre);
  return dl;
}

function renderTurn(turn, index, isNewest, service, services) {
  const card = make("article", "turn" + (isNewest ? " newest" : ""));
  card.dataset.turn = String(index + 1);

  const head = make("header", "turn-head");
  head.appendChild(make("span", "turn-number", t("turn", { n: index + 1 })));
  if (typeof turn.answer_ms === "number") {
    const ms = make("span", "answer-ms", t("answered_in", { ms: formatMs(turn.answer_ms) }));
    ms.title = t("time_to_answer");
    head.appendChild(ms);
  }
  card.appendChild(head);

  const said = make("p", "citizen-text");
  said.setAttribute("dir", "auto");
  said.append(textWithCodes(state.shownAs.get(turn.text) ?? turn.text ?? ""));
  card.appendChild(said);

  card.appendChild(plainSummary(turn, service, services));
  card.appendChild(technicalFacts(turn));
  return card;
}

function renderTurns(turns, services) {
  if (!turns.length) {
    el.turns.replaceChildren(make("p", "empty-state", t("no_turn_yet")));
    return;
  }
  let service = null;
  const cards = turns.map((turn, i) => {
    service = serviceOf(turn || {}, service);
    return renderTurn(turn || {}, i, i === turns.length - 1, service, services);
  }).reverse();
  const id = make("p", "technical conversation-id");
  id.append(t("conversation_id") + ": ");
  id.appendChild(make("code", "", state.sender));
  el.turns.replaceChildren(id, ...cards);
  el.turns.scrollTop = 0;
}

/** The last turns shown, to redraw them in another language without asking the server. */
let shownTurns = null;

export async function refreshTurns() {
  const generation = state.generation;
  try {
    const [data, services] = await Promise.all([
      api(`api/conversations/${encodeURIComponent(state.sender)}/turns`),
      serviceNames(currentLang()),
    ]);
    if (generation !== state.generation) return;
    state.lastTurnsError = "";
    shownTurns = Array.isArray(data.turns) ? data.turns : [];
    renderTurns(shownTurns, services);
    setChatLanguage(data.lang || null);
  } catch (err) {
    if (generation !== state.generation) return;
    const message = t("inspector_failed", { error: err instanceof ApiError ? err.message : String(err) });
    if (message !== state.lastTurnsError) notice(message);
    state.lastTurnsError = message;
  }
}

/** Redraw the cards in the page's (new) language. */
export async function relabelTurns() {
  if (!shownTurns || !shownTurns.length || !el.turns.querySelector(".turn")) return;
  const generation = state.generation;
  const services = await serviceNames(currentLang()).catch(() => ({}));
  if (generation === state.generation) renderTurns(shownTurns, services);
}

export function forgetTurns() {
  shownTurns = null;
}
