/* The conversation: messages, buttons, the typing indicator, sending, a new conversation.
 *
 * chat.js imports inspector.js and dashboard.js (a reply refreshes both) and they import
 * chat.js (their problems are shown as notices in the chat). That cycle is safe: no module
 * uses an import while it loads, only inside functions called once the page has started.
 */

import { ApiError, api } from "./api.js";
import { refreshDashboard } from "./dashboard.js";
import { forgetTurns, refreshTurns } from "./inspector.js";
import { t } from "./i18n.js";
import { el, state } from "./state.js";
import { LANG_NAMES, make, randomHex, textWithCodes } from "./util.js";

function newSenderId() {
  return "demo-" + randomHex(8);
}

function scrollChat() {
  el.messages.scrollTop = el.messages.scrollHeight;
}

function clearEmptyState(container) {
  const empty = container.querySelector(":scope > .empty-state");
  if (empty) empty.remove();
}

function appendMessage(kind, text) {
  clearEmptyState(el.messages);
  const node = make("div", "message " + kind);
  // dir="auto" on the bubble only: an inner dir attribute would hide the text from it.
  node.setAttribute("dir", "auto");
  const body = make("div", "text");
  body.append(textWithCodes(text));
  node.appendChild(body);
  // keep the typing indicator last
  const typing = el.messages.querySelector(":scope > .typing");
  el.messages.insertBefore(node, typing);
  scrollChat();
  return node;
}

export function notice(text) {
  const node = appendMessage("notice", text);
  node.setAttribute("role", "status");
  return node;
}

function appendBotReply(reply) {
  const hasText = typeof reply.text === "string" && reply.text.trim() !== "";
  const buttons = Array.isArray(reply.buttons) ? reply.buttons.filter((b) => b && (b.title || b.payload)) : [];
  if (!hasText && buttons.length === 0) return null;   // custom-only replies are shown in the inspector
  const node = appendMessage("bot", hasText ? reply.text : "");
  if (!hasText) node.querySelector(".text").remove();
  if (buttons.length) {
    const row = make("div", "buttons");
    row.setAttribute("dir", "auto");
    for (const b of buttons) {
      const button = make("button", "", b.title || b.payload);
      button.type = "button";
      button.setAttribute("dir", "auto");
      button.dataset.payload = b.payload || b.title;
      button.addEventListener("click", () => {
        if (state.run || state.busy) return;   // the scenario or a pending reply has the floor
        chooseButton(button);
      });
      row.appendChild(button);
    }
    node.appendChild(row);
  }
  scrollChat();
  return node;
}

function showTyping() {
  if (el.messages.querySelector(":scope > .typing")) return;
  const typing = make("div", "typing");
  typing.setAttribute("aria-label", t("typing"));
  typing.setAttribute("role", "status");
  for (let i = 0; i < 3; i++) typing.appendChild(make("span", "dot"));
  el.messages.appendChild(typing);
  scrollChat();
}

function hideTyping() {
  el.messages.querySelectorAll(":scope > .typing").forEach((n) => n.remove());
}

export function updateControls() {
  const playing = Boolean(state.run);
  el.body.classList.toggle("playing", playing);
  el.body.classList.toggle("busy", state.busy);
  el.input.disabled = playing;
  el.send.disabled = playing || state.busy;
  el.stopScenario.disabled = !playing;
  el.pauseScenario.disabled = !playing;
  el.stepScenario.disabled = !(playing && state.run.paused);
  el.replayScenario.disabled = playing || !state.lastScenario;
  el.scenarios.querySelectorAll("button.scenario").forEach((b) => { b.disabled = playing; });
  el.pageLangs.forEach((b) => { b.disabled = playing; });
  el.examples().forEach((b) => { b.disabled = playing || state.busy; });
}

/**
 * Send one citizen message; `shown` is what the citizen's bubble says (a button's title).
 * Resolves to true when the server answered, false on an error (already shown as a notice).
 */
export async function sendMessage(text, shown) {
  if (state.busy) return false;
  const generation = state.generation;
  const sender = state.sender;
  state.busy = true;
  updateControls();
  appendMessage("user", shown === undefined ? text : shown);
  showTyping();
  let ok = false;
  try {
    const data = await api(`api/conversations/${encodeURIComponent(sender)}/messages`, {
      method: "POST",
      body: JSON.stringify({ text, session: state.session }),
    });
    if (generation !== state.generation) return false;   // a new conversation started meanwhile
    hideTyping();
    const replies = Array.isArray(data.replies) ? data.replies : [];
    let shownReplies = 0;
    for (const reply of replies) {
      if (reply && appendBotReply(reply)) shownReplies += 1;
    }
    if (shownReplies === 0) notice(t("no_reply"));
    ok = true;
  } catch (err) {
    if (generation !== state.generation) return false;
    hideTyping();
    notice(err instanceof ApiError ? err.message : t("went_wrong", { error: err }));
  } finally {
    if (generation === state.generation) {
      state.busy = false;
      updateControls();
    }
  }
  await refreshTurns();
  refreshDashboard();
  return ok;
}

export function chooseButton(button) {
  button.classList.add("chosen");
  const row = button.closest(".buttons");
  if (row) row.classList.add("answered");
  // The inspector shows the tapped button's words, not the payload it sent.
  state.shownAs.set(button.dataset.payload, button.textContent);
  return sendMessage(button.dataset.payload, button.textContent);
}

export function setChatLanguage(lang) {
  const rtl = lang === "ar";
  el.chat.setAttribute("dir", rtl ? "rtl" : "ltr");
  if (lang) el.chat.setAttribute("lang", lang); else el.chat.removeAttribute("lang");
  if (lang) {
    el.convLang.hidden = false;
    el.convLang.textContent = LANG_NAMES[lang] || lang;
    el.convLang.setAttribute("lang", lang);
  } else {
    el.convLang.hidden = true;
    el.convLang.textContent = "";
  }
}

/** Example questions, one per language: a click asks it. */
const EXAMPLES = [
  ["en", "How much is a passport?"],
  ["fr", "Quels papiers pour une carte d'identité ?"],
  ["ar", "كم سعر جواز السفر؟"],
];

function chatEmptyState() {
  const box = make("div", "empty-state");
  box.appendChild(make("p", "empty-title", t("ask_anything")));
  const examples = make("ul", "examples");
  for (const [lang, text] of EXAMPLES) {
    const li = make("li");
    const ask = make("button", "example", text);
    ask.type = "button";
    ask.setAttribute("lang", lang);
    ask.setAttribute("dir", "auto");
    ask.addEventListener("click", () => {
      if (!state.run && !state.busy) sendMessage(text);
    });
    li.appendChild(ask);
    examples.appendChild(li);
  }
  box.appendChild(examples);
  return box;
}

/** The chat's and the inspector's empty texts, in the page's language (after a switch). */
export function relabelEmptyStates() {
  const title = el.messages.querySelector(".empty-state .empty-title");
  if (title) title.textContent = t("ask_anything");
  const empty = el.turns.querySelector(":scope > .empty-state");
  if (empty) empty.textContent = t("inspector_empty");
}

export function newConversation() {
  state.generation += 1;
  state.sender = newSenderId();
  state.busy = false;
  state.lastTurnsError = "";
  state.shownAs.clear();
  forgetTurns();
  el.messages.replaceChildren(chatEmptyState());
  el.turns.replaceChildren(make("p", "empty-state", t("inspector_empty")));
  setChatLanguage(null);
  el.input.value = "";
  updateControls();
}
