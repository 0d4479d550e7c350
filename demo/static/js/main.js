/* Citizen Service Assistant: stage demo (browser side), the entry point.
 *
 * Plain ES2020 modules, no dependencies. Server text is only ever written with textContent.
 * This module reads the settings from the URL, looks up the page's elements, wires the
 * controls and starts the page. The panels are chat.js, inspector.js, dashboard.js and
 * scenarios.js; api.js talks to the page's own server; state.js holds what they share.
 */

import { newConversation, sendMessage } from "./chat.js";
import { startDashboard } from "./dashboard.js";
import { loadScenarios, setScenarioLang, setStatus, stopScenario } from "./scenarios.js";
import { el, settings, state } from "./state.js";
import { LANG_NAMES } from "./util.js";

// ---------------------------------------------------------------- settings

const params = new URLSearchParams(window.location.search);
/** ?pace=fast divides every delay by 20 (automated tests). */
settings.pace = params.get("pace") === "fast" ? 20 : 1;

// ---------------------------------------------------------------- elements

const $ = (id) => document.getElementById(id);
Object.assign(el, {
  body: document.body,
  chat: $("chat"),
  messages: $("messages"),
  composer: $("composer"),
  input: $("input"),
  send: $("send"),
  senderId: $("sender-id"),
  convLang: $("conversation-lang"),
  newConversation: $("new-conversation"),
  togglePresenter: $("toggle-presenter"),
  toggleInspector: $("toggle-inspector"),
  turns: $("turns"),
  scenarios: $("scenarios"),
  scenarioLangs: Array.from(document.querySelectorAll("button.scenario-lang")),
  scenarioStatus: $("scenario-status"),
  stopScenario: $("stop-scenario"),
  dashConversations: $("dash-conversations"),
  dashMessages: $("dash-messages"),
  dashFallback: $("dash-fallback"),
  dashRating: $("dash-rating"),
  dashServices: $("dash-services"),
  dashUpdated: $("dash-updated"),
  dashError: $("dash-error"),
});

// ---------------------------------------------------------------- header toggles

function setPresenter(on) {
  el.body.classList.toggle("presenter", on);
  el.togglePresenter.setAttribute("aria-pressed", String(on));
  el.togglePresenter.classList.toggle("active", on);
}

function setInspectorCollapsed(collapsed) {
  el.body.classList.toggle("inspector-collapsed", collapsed);
  el.toggleInspector.textContent = collapsed ? "Show inspector" : "Hide inspector";
  el.toggleInspector.setAttribute("aria-expanded", String(!collapsed));
}

// ---------------------------------------------------------------- wiring

el.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  if (state.run || state.busy) return;
  const text = el.input.value.trim();
  if (!text) { el.input.focus(); return; }
  el.input.value = "";
  sendMessage(text).then(() => { if (!state.run) el.input.focus(); });
});

el.newConversation.addEventListener("click", () => {
  if (state.run) stopScenario();
  newConversation();
  setStatus("idle", "Pick a scenario to play it.");
  el.input.focus();
});

el.togglePresenter.addEventListener("click", () => setPresenter(!el.body.classList.contains("presenter")));
el.toggleInspector.addEventListener("click", () => setInspectorCollapsed(!el.body.classList.contains("inspector-collapsed")));
el.stopScenario.addEventListener("click", stopScenario);
for (const b of el.scenarioLangs) b.addEventListener("click", () => setScenarioLang(b.dataset.lang));

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.run) stopScenario();
});

// ---------------------------------------------------------------- start

if (params.has("presenter")) setPresenter(params.get("presenter") !== "0");
if (params.get("inspector") === "0") setInspectorCollapsed(true);
const startLang = params.get("lang");
newConversation();
setScenarioLang(LANG_NAMES[startLang] ? startLang : "en");
loadScenarios();
startDashboard();
