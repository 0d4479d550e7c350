/* The inspector: a card for each citizen message (language, intent, entities, slots, actions,
 * registry calls, payload, time to answer), refreshed from the conversation's turns.
 */

import { ApiError, api } from "./api.js";
import { notice, setChatLanguage } from "./chat.js";
import { el, state } from "./state.js";
import { LANG_NAMES, make, percent, show } from "./util.js";

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

function renderTurn(turn, index, isNewest) {
  const card = make("article", "turn" + (isNewest ? " newest" : ""));
  card.dataset.turn = String(index + 1);

  const head = make("header", "turn-head");
  head.appendChild(make("span", "turn-number", `Turn ${index + 1}`));
  if (typeof turn.answer_ms === "number") {
    const ms = make("span", "answer-ms", `${Math.round(turn.answer_ms)} ms`);
    ms.title = "Time to answer";
    head.appendChild(ms);
  }
  card.appendChild(head);

  const said = make("p", "citizen-text", turn.text || "");
  said.setAttribute("dir", "auto");
  card.appendChild(said);

  const dl = make("dl", "facts");

  const lang = field(dl, "Language", "language", turn.lang || "—");
  if (turn.lang) lang.title = LANG_NAMES[turn.lang] || turn.lang;

  const intent = turn.intent || null;
  const conf = intent ? intent.confidence : null;
  const intentBox = make("div", "intent " + "confidence-" + confidenceLevel(conf));
  intentBox.appendChild(make("span", "intent-name", intent ? intent.name : "—"));
  const confBox = make("span", "intent-confidence", intent ? percent(conf) : "");
  if (intent && typeof conf === "number") {
    const bar = make("span", "bar");
    bar.setAttribute("aria-hidden", "true");
    const fill = make("span", "fill");
    fill.style.width = Math.max(0, Math.min(100, conf * 100)).toFixed(1) + "%";
    bar.appendChild(fill);
    confBox.appendChild(bar);
  }
  intentBox.appendChild(confBox);
  field(dl, "Intent", "", intentBox);

  const ru = turn.runner_up;
  field(dl, "Runner-up", "runner-up", ru ? `${ru.name} ${percent(ru.confidence)}` : "—");

  field(dl, "Entities", "entities", listOf(turn.entities, (e) => {
    const li = make("li");
    li.appendChild(make("span", "entity-name", e.entity));
    li.appendChild(document.createTextNode(" = "));
    const v = make("bdi", "entity-value", show(e.value));
    li.appendChild(v);
    if (e.extractor) {
      const x = make("span", "extractor", ` · ${e.extractor}`);
      li.appendChild(x);
    }
    return li;
  }));

  const slots = turn.slots && typeof turn.slots === "object" ? Object.entries(turn.slots) : [];
  field(dl, "Slots", "slots", listOf(slots, ([name, value]) => {
    const li = make("li");
    li.appendChild(make("span", "slot-name", name));
    li.appendChild(document.createTextNode(" = "));
    li.appendChild(make("bdi", "slot-value", show(value)));
    return li;
  }));

  field(dl, "Actions", "actions", listOf(turn.actions, (a) => make("li", "", show(a))));

  field(dl, "Registry", "registry-calls", listOf(turn.registry_calls, (c) => {
    const status = Number(c.status);
    const li = make("li", status >= 400 || !status ? "call failed" : "call");
    const ms = typeof c.ms === "number" ? `${Math.round(c.ms)} ms` : "— ms";
    li.textContent = `${c.method || "GET"} ${c.path || ""} · ${c.status ?? "—"} · ${ms}`;
    return li;
  }));

  const payloads = Array.isArray(turn.payloads) ? turn.payloads : [];
  const pre = make("pre", "json", payloads.length ? JSON.stringify(payloads, null, 2) : "—");
  pre.setAttribute("dir", "ltr");
  field(dl, "Payload", "payload", pre);

  card.appendChild(dl);
  return card;
}

function renderTurns(turns) {
  if (!turns.length) {
    el.turns.replaceChildren(make("p", "empty-state", "No message yet in this conversation."));
    return;
  }
  const cards = turns.map((t, i) => renderTurn(t || {}, i, i === turns.length - 1)).reverse();
  el.turns.replaceChildren(...cards);
  el.turns.scrollTop = 0;
}

export async function refreshTurns() {
  const generation = state.generation;
  try {
    const data = await api(`api/conversations/${encodeURIComponent(state.sender)}/turns`);
    if (generation !== state.generation) return;
    state.lastTurnsError = "";
    renderTurns(Array.isArray(data.turns) ? data.turns : []);
    setChatLanguage(data.lang || null);
  } catch (err) {
    if (generation !== state.generation) return;
    const message = "Inspector: " + (err instanceof ApiError ? err.message : String(err));
    if (message !== state.lastTurnsError) notice(message);
    state.lastTurnsError = message;
  }
}
