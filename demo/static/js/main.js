/* Citizen Service Assistant: stage demo (browser side), the entry point.
 *
 * Plain ES2020 modules, no dependencies. Server text is only ever written with textContent.
 * This module reads the settings from the URL, looks up the page's elements, wires the
 * controls and starts the page. The panels are chat.js, inspector.js, dashboard.js and
 * scenarios.js; api.js talks to the page's own server; state.js holds what they share.
 */

import { newConversation, relabelEmptyStates, sendMessage, updateControls } from "./chat.js";
import { refreshDashboard, setDashboardScope, startDashboard } from "./dashboard.js";
import { PAGE_LANGS, setPageLang, t } from "./i18n.js";
import { relabelTurns } from "./inspector.js";
import {
  loadScenarios, relabelScenarios, replayScenario, setStatus, stepScenario, stopScenario, togglePause,
} from "./scenarios.js";
import { el, settings, state } from "./state.js";
import { randomHex } from "./util.js";

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
  convLang: $("conversation-lang"),
  newConversation: $("new-conversation"),
  togglePresenter: $("toggle-presenter"),
  toggleInspector: $("toggle-inspector"),
  toggleTechnical: $("toggle-technical"),
  turns: $("turns"),
  scenarios: $("scenarios"),
  pageLangs: Array.from(document.querySelectorAll("button.page-lang")),
  examples: () => Array.from(document.querySelectorAll("#messages button.example")),
  scenarioStatus: $("scenario-status"),
  stopScenario: $("stop-scenario"),
  pauseScenario: $("pause-scenario"),
  stepScenario: $("step-scenario"),
  replayScenario: $("replay-scenario"),
  dashScopes: Array.from(document.querySelectorAll("button.scope")),
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
  el.toggleInspector.textContent = t(collapsed ? "show_inspector" : "hide_inspector");
  el.toggleInspector.setAttribute("aria-expanded", String(!collapsed));
}

function setTechnical(on) {
  state.technical = on;
  el.body.classList.toggle("technical", on);
  el.toggleTechnical.setAttribute("aria-pressed", String(on));
}

/** The page's words, direction and names in `lang`; scenarios are then played in it. */
function showPageLang(lang) {
  setPageLang(lang);
  for (const b of el.pageLangs) {
    const active = b.dataset.lang === lang;
    b.classList.toggle("active", active);
    b.setAttribute("aria-pressed", String(active));
  }
  setInspectorCollapsed(el.body.classList.contains("inspector-collapsed"));
  relabelEmptyStates();
  relabelScenarios();
  relabelTurns();
}

/** The presenter picked a language: the page, and Today's service names, in it. */
function switchPageLang(lang) {
  if (!PAGE_LANGS.includes(lang) || state.run) return;
  showPageLang(lang);
  refreshDashboard();
}

/** This page's session: kept across reloads of the tab, so "Today" goes on counting. */
function pageSession() {
  let session = sessionStorage.getItem("demo-session");
  if (!session || !/^[0-9a-f]{16}$/.test(session)) {
    session = randomHex(8);
    sessionStorage.setItem("demo-session", session);
  }
  return session;
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
  setStatus("idle", t("pick_scenario"));
  el.input.focus();
});

el.togglePresenter.addEventListener("click", () => setPresenter(!el.body.classList.contains("presenter")));
el.toggleInspector.addEventListener("click", () => setInspectorCollapsed(!el.body.classList.contains("inspector-collapsed")));
el.toggleTechnical.addEventListener("click", () => setTechnical(!state.technical));
el.stopScenario.addEventListener("click", stopScenario);
el.pauseScenario.addEventListener("click", togglePause);
el.stepScenario.addEventListener("click", stepScenario);
el.replayScenario.addEventListener("click", replayScenario);
for (const b of el.pageLangs) b.addEventListener("click", () => switchPageLang(b.dataset.lang));
for (const b of el.dashScopes) b.addEventListener("click", () => setDashboardScope(b.dataset.scope));

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.run) stopScenario();
});

// ---------------------------------------------------------------- start

state.session = pageSession();
if (params.has("presenter")) setPresenter(params.get("presenter") !== "0");
if (params.get("inspector") === "0") setInspectorCollapsed(true);
if (params.get("technical") === "1") setTechnical(true);
const startLang = params.get("lang");
showPageLang(PAGE_LANGS.includes(startLang) ? startLang : "en");
newConversation();
loadScenarios();
startDashboard();
updateControls();
