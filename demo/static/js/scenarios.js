/* Scenarios: loading and listing them, playing one step by step at a stage pace, stopping. */

import { ApiError, api } from "./api.js";
import { chooseButton, newConversation, notice, sendMessage, updateControls } from "./chat.js";
import { el, settings, state } from "./state.js";
import { currentLang, t } from "./i18n.js";
import { make } from "./util.js";

const DELAY = {
  perChar: 35,        // typing speed, ms per character
  typingCap: 2500,    // longest time spent typing one message
  beforeSend: 400,    // pause between typing and sending
  highlight: 700,     // a button is highlighted this long before it is tapped
};
// Time for a room to read an answer before the next question starts: a floor, then a pace
// of about 180 words a minute (slower than silent reading: many read in a second language,
// from afar), up to a ceiling; the presenter pauses for longer.
const READING = { floorMs: 2000, perWordMs: 330, ceilingMs: 15000 };

// Delays. A scenario run passes itself so that "Stop" cuts a pause short.
class Stopped extends Error {}

function sleep(ms, run) {
  return new Promise((resolve, reject) => {
    if (run && run.stopped) { reject(new Stopped()); return; }
    const waker = () => { clearTimeout(timer); reject(new Stopped()); };
    const timer = setTimeout(() => {
      if (run) run.wakers.delete(waker);
      resolve();
    }, Math.max(0, ms));
    if (run) run.wakers.add(waker);
  });
}

/** A stage delay: divided by 20 with ?pace=fast. */
const pause = (ms, run) => sleep(ms / settings.pace, run);

function scenarioTitle(s, lang) {
  const titles = s.titles || {};
  return titles[lang] || titles.en || s.id;
}

function renderScenarios() {
  if (!state.scenariosLoaded) return;
  if (!state.scenarios.length) {
    el.scenarios.replaceChildren(make("p", "empty-state", t("no_scenarios")));
    return;
  }
  const lang = currentLang();
  el.scenarios.replaceChildren(...state.scenarios.map((s) => {
    const b = make("button", "scenario");
    b.type = "button";
    b.dataset.scenario = s.id;
    const steps = (s.steps && s.steps[lang]) || [];
    const title = make("span", "scenario-title", scenarioTitle(s, lang));
    title.setAttribute("dir", "auto");
    b.appendChild(title);
    b.title = t("steps", { n: steps.length });
    if (!steps.length) b.classList.add("no-steps");
    b.addEventListener("click", () => playScenario(s));
    return b;
  }));
  updateControls();
}

/** The scenario list in the page's (new) language. */
export function relabelScenarios() {
  if (state.scenariosLoaded) renderScenarios();
  else el.scenarios.replaceChildren(make("p", "empty-state", t("loading_scenarios")));
  if (el.scenarioStatus.dataset.state === "idle") setStatus("idle", t("pick_scenario"));
}

export async function loadScenarios() {
  try {
    const data = await api("api/scenarios");
    state.scenarios = Array.isArray(data.scenarios) ? data.scenarios.filter((s) => s && s.id) : [];
    state.scenariosLoaded = true;
    renderScenarios();
  } catch (err) {
    const message = t("scenarios_failed", { error: err instanceof ApiError ? err.message : String(err) });
    el.scenarios.replaceChildren(make("p", "empty-state error", message));
    notice(message);
  }
}

export function setStatus(stateName, text) {
  el.scenarioStatus.dataset.state = stateName;
  el.scenarioStatus.textContent = text;
}

/** Type `text` into the input at a human pace (35 ms a character, at most ~2.5 s). */
async function typeIntoInput(text, run) {
  const chars = Array.from(text);
  el.input.value = "";
  if (!chars.length) return;
  const perChar = Math.min(DELAY.perChar, DELAY.typingCap / chars.length) / settings.pace;
  const tick = Math.max(perChar, 16);   // no point redrawing faster than a frame
  const start = performance.now();
  let shown = 0;
  while (shown < chars.length) {
    await sleep(tick, run);
    const due = Math.floor((performance.now() - start) / perChar);
    shown = Math.min(chars.length, Math.max(shown + 1, due));
    el.input.value = chars.slice(0, shown).join("");
    el.input.scrollLeft = el.input.scrollWidth;
  }
}

function latestButtons() {
  const withButtons = Array.from(el.messages.querySelectorAll(".message.bot"))
    .filter((m) => m.querySelector(".buttons button"));
  const last = withButtons[withButtons.length - 1];
  return last ? Array.from(last.querySelectorAll(".buttons button")) : [];
}

/** The words of the assistant's answer to the last message. */
function lastAnswerWords() {
  const all = Array.from(el.messages.querySelectorAll(".message"));
  const lastUser = all.map((m) => m.classList.contains("user")).lastIndexOf(true);
  const text = all.slice(lastUser + 1).filter((m) => m.classList.contains("bot"))
    .map((m) => m.textContent).join(" ");
  return text.split(/\s+/).filter(Boolean).length;
}

function readingTimeMs(words) {
  return Math.min(READING.ceilingMs, READING.floorMs + words * READING.perWordMs);
}

/** Until the presenter resumes, steps (once) or stops. */
function untilResumedOrStepped(run) {
  return new Promise((resolve, reject) => {
    if (run.stopped) { reject(new Stopped()); return; }
    const waker = () => { run.controls.delete(resume); reject(new Stopped()); };
    const resume = () => { run.wakers.delete(waker); resolve(); };
    run.wakers.add(waker);
    run.controls.add(resume);
  });
}

/** Between two steps: time to read the answer, then wait as long as the player is paused. */
async function betweenSteps(run) {
  await pause(readingTimeMs(lastAnswerWords()), run);
  while (run.paused && !run.stepOnce) {
    showRunStatus(run);
    await untilResumedOrStepped(run);
  }
  run.stepOnce = false;
}

function wakeControls(run) {
  for (const resume of Array.from(run.controls)) resume();
  run.controls.clear();
}

function showRunStatus(run) {
  const values = { title: run.title, step: run.step, total: run.total };
  if (run.paused) setStatus("paused", t("paused", values));
  else setStatus("playing", t("playing", values));
}

/** The pause button: ❚❚ while playing, ▶ (resume) while paused (glyphs of DejaVu Sans). */
function showPauseButton(paused) {
  const label = t(paused ? "resume" : "pause");
  el.pauseScenario.setAttribute("aria-pressed", String(paused));
  el.pauseScenario.setAttribute("aria-label", label);
  el.pauseScenario.title = label;
  el.pauseScenario.textContent = paused ? "\u25B6\uFE0E" : "❚❚";
}

/** Pause or resume the scenario being played. */
export function togglePause() {
  const run = state.run;
  if (!run) return;
  run.paused = !run.paused;
  showPauseButton(run.paused);
  showRunStatus(run);
  if (!run.paused) wakeControls(run);
  updateControls();
}

/** While paused: play the next step, then stay paused. */
export function stepScenario() {
  const run = state.run;
  if (!run || !run.paused) return;
  run.stepOnce = true;
  wakeControls(run);
}

export function replayScenario() {
  if (!state.run && state.lastScenario) playScenario(state.lastScenario);
}

class ScenarioFailure extends Error {}

async function playScenario(scenario) {
  if (state.run) return;
  const lang = currentLang();
  const title = scenarioTitle(scenario, lang);
  const steps = (scenario.steps && scenario.steps[lang]) || [];
  if (!steps.length) {
    setStatus("failed", t("no_steps", { title }));
    notice(t("no_steps", { title }));
    return;
  }
  newConversation();
  const run = {
    scenario, lang, title, stopped: false, paused: false, stepOnce: false,
    wakers: new Set(), controls: new Set(), step: 0, total: steps.length,
  };
  state.run = run;
  state.lastScenario = scenario;
  showPauseButton(false);
  updateControls();
  try {
    for (let i = 0; i < steps.length; i++) {
      if (run.stopped) throw new Stopped();
      if (i > 0) await betweenSteps(run);
      run.step = i + 1;
      showRunStatus(run);
      const step = steps[i] || {};
      if (typeof step.say === "string") {
        await typeIntoInput(step.say, run);
        await pause(DELAY.beforeSend, run);
        el.input.value = "";
        const ok = await sendMessage(step.say);
        if (run.stopped) throw new Stopped();
        if (!ok) throw new ScenarioFailure(t("scenario_no_answer"));
      } else if (step.tap !== undefined) {
        const n = Number(step.tap);
        const button = latestButtons()[n - 1];
        if (!button) {
          notice(t("scenario_no_button", { n }));
          throw new ScenarioFailure(`no button ${n} to tap`);
        }
        button.classList.add("highlight");
        button.scrollIntoView({ block: "nearest", behavior: "smooth" });
        try {
          await pause(DELAY.highlight, run);
        } finally {
          button.classList.remove("highlight");
        }
        const ok = await chooseButton(button);
        if (run.stopped) throw new Stopped();
        if (!ok) throw new ScenarioFailure(t("scenario_no_answer"));
      } else {
        notice(t("scenario_bad_step", { n: i + 1 }));
        throw new ScenarioFailure(`step ${i + 1} is not understood`);
      }
    }
    if (state.run === run) setStatus("done", t("finished", { title }));
  } catch (err) {
    const values = { title, step: run.step, total: run.total };
    if (state.run === run || run.stopped) {
      if (err instanceof Stopped || run.stopped) {
        if (state.run === run) setStatus("stopped", t("stopped", values));
      } else {
        const why = err instanceof ScenarioFailure ? err.message : String(err);
        setStatus("failed", t("failed", { ...values, why }));
        if (!(err instanceof ScenarioFailure)) notice(t("went_wrong", { error: why }));
      }
    }
  } finally {
    if (state.run === run) {
      state.run = null;
      el.input.value = "";
      updateControls();
    }
  }
}

export function stopScenario() {
  const run = state.run;
  if (!run) return;
  run.stopped = true;
  for (const wake of Array.from(run.wakers)) wake();
  run.wakers.clear();
  run.controls.clear();
  setStatus("stopped", t("stopped", { title: run.title, step: run.step, total: run.total }));
  state.run = null;
  el.input.value = "";
  showPauseButton(false);
  el.messages.querySelectorAll(".buttons button.highlight").forEach((b) => b.classList.remove("highlight"));
  updateControls();
}
