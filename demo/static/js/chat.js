/* The conversation: messages, buttons, the typing indicator, sending, a new conversation.
 *
 * chat.js imports inspector.js and dashboard.js (a reply refreshes both) and they import
 * chat.js (their problems are shown as notices in the chat). That cycle is safe: no module
 * uses an import while it loads, only inside functions called once the page has started.
 */

import { ApiError, api } from "./api.js";
import { refreshDashboard } from "./dashboard.js";
import { refreshTurns } from "./inspector.js";
import { el, state } from "./state.js";
import { LANG_NAMES, make } from "./util.js";

function newSenderId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return "demo-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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
  const body = make("div", "text", text);
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
  typing.setAttribute("aria-label", "The assistant is typing");
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
  el.scenarios.querySelectorAll("button.scenario").forEach((b) => { b.disabled = playing; });
  el.scenarioLangs.forEach((b) => { b.disabled = playing; });
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
      body: JSON.stringify({ text }),
    });
    if (generation !== state.generation) return false;   // a new conversation started meanwhile
    hideTyping();
    const replies = Array.isArray(data.replies) ? data.replies : [];
    let shownReplies = 0;
    for (const reply of replies) {
      if (reply && appendBotReply(reply)) shownReplies += 1;
    }
    if (shownReplies === 0) notice("The assistant sent no reply to this message.");
    ok = true;
  } catch (err) {
    if (generation !== state.generation) return false;
    hideTyping();
    notice(err instanceof ApiError ? err.message : "Something went wrong: " + err);
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

function chatEmptyState() {
  const box = make("div", "empty-state");
  box.appendChild(make("p", "empty-title", "Ask about any public service, in your own words."));
  const examples = make("ul", "examples");
  for (const [lang, text] of [
    ["en", "How much is a passport?"],
    ["fr", "Quels papiers pour une carte d'identité ?"],
    ["ar", "كم سعر جواز السفر؟"],
  ]) {
    const li = make("li", "", text);
    li.setAttribute("lang", lang);
    li.setAttribute("dir", "auto");
    examples.appendChild(li);
  }
  box.appendChild(examples);
  return box;
}

export function newConversation() {
  state.generation += 1;
  state.sender = newSenderId();
  state.busy = false;
  state.lastTurnsError = "";
  el.senderId.textContent = state.sender;
  el.messages.replaceChildren(chatEmptyState());
  el.turns.replaceChildren(make("p", "empty-state",
    "Each citizen message appears here: language, intent, entities, the registry calls behind the answer and the time it took."));
  setChatLanguage(null);
  el.input.value = "";
  updateControls();
}
