/* Scenarios: loading and listing them, playing one step by step at a stage pace, stopping. */

import { ApiError, api } from "./api.js";
import { chooseButton, newConversation, notice, sendMessage, updateControls } from "./chat.js";
import { el, settings, state } from "./state.js";
import { LANG_NAMES, make } from "./util.js";

const DELAY = {
  perChar: 35,        // typing speed, ms per character
  typingCap: 2500,    // longest time spent typing one message
  beforeSend: 400,    // pause between typing and sending
  afterReply: 1500,   // time for the audience to read the reply
  highlight: 700,     // a button is highlighted this long before it is tapped
};

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
    el.scenarios.replaceChildren(make("p", "empty-state", "No scenarios."));
    return;
  }
  const lang = state.scenarioLang;
  el.scenarios.replaceChildren(...state.scenarios.map((s) => {
    const b = make("button", "scenario");
    b.type = "button";
    b.dataset.scenario = s.id;
    b.setAttribute("lang", lang);
    b.setAttribute("dir", "auto");
    const steps = (s.steps && s.steps[lang]) || [];
    const title = make("span", "scenario-title", scenarioTitle(s, lang));
    title.setAttribute("dir", "auto");
    b.appendChild(title);
    b.title = `${steps.length} step${steps.length === 1 ? "" : "s"}`;
    if (!steps.length) b.classList.add("no-steps");
    b.addEventListener("click", () => playScenario(s));
    return b;
  }));
  updateControls();
}

export function setScenarioLang(lang) {
  if (!LANG_NAMES[lang] || state.run) return;
  state.scenarioLang = lang;
  for (const b of el.scenarioLangs) {
    const active = b.dataset.lang === lang;
    b.classList.toggle("active", active);
    b.setAttribute("aria-pressed", String(active));
  }
  el.scenarios.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
  renderScenarios();
}

export async function loadScenarios() {
  try {
    const data = await api("api/scenarios");
    state.scenarios = Array.isArray(data.scenarios) ? data.scenarios.filter((s) => s && s.id) : [];
    state.scenariosLoaded = true;
    renderScenarios();
  } catch (err) {
    const message = "Scenarios could not be loaded: " + (err instanceof ApiError ? err.message : String(err));
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

class ScenarioFailure extends Error {}

async function playScenario(scenario) {
  if (state.run) return;
  const lang = state.scenarioLang;
  const title = scenarioTitle(scenario, lang);
  const steps = (scenario.steps && scenario.steps[lang]) || [];
  if (!steps.length) {
    setStatus("failed", `“${title}” has no steps in ${LANG_NAMES[lang]}.`);
    notice(`The scenario “${title}” has no steps in ${LANG_NAMES[lang]}.`);
    return;
  }
  newConversation();
  const run = { scenario, lang, title, stopped: false, wakers: new Set(), step: 0, total: steps.length };
  state.run = run;
  updateControls();
  try {
    for (let i = 0; i < steps.length; i++) {
      if (run.stopped) throw new Stopped();
      run.step = i + 1;
      setStatus("playing", `Playing: ${title} (step ${i + 1}/${steps.length})`);
      const step = steps[i] || {};
      const last = i === steps.length - 1;
      if (typeof step.say === "string") {
        await typeIntoInput(step.say, run);
        await pause(DELAY.beforeSend, run);
        el.input.value = "";
        const ok = await sendMessage(step.say);
        if (run.stopped) throw new Stopped();
        if (!ok) throw new ScenarioFailure("the server did not answer");
      } else if (step.tap !== undefined) {
        const n = Number(step.tap);
        const button = latestButtons()[n - 1];
        if (!button) {
          notice(`Scenario stopped: the assistant's last message with buttons has no button ${n}.`);
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
        if (!ok) throw new ScenarioFailure("the server did not answer");
      } else {
        notice(`Scenario stopped: step ${i + 1} is neither "say" nor "tap".`);
        throw new ScenarioFailure(`step ${i + 1} is not understood`);
      }
      if (!last) await pause(DELAY.afterReply, run);
    }
    if (state.run === run) setStatus("done", `Finished: ${title}`);
  } catch (err) {
    if (state.run === run || run.stopped) {
      if (err instanceof Stopped || run.stopped) {
        if (state.run === run) setStatus("stopped", `Stopped: ${title} (step ${run.step}/${run.total})`);
      } else {
        const why = err instanceof ScenarioFailure ? err.message : String(err);
        setStatus("failed", `Failed: ${title} (step ${run.step}/${run.total}): ${why}`);
        if (!(err instanceof ScenarioFailure)) notice(`Scenario stopped: ${why}`);
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
  setStatus("stopped", `Stopped: ${run.title} (step ${run.step}/${run.total})`);
  state.run = null;
  el.input.value = "";
  el.messages.querySelectorAll(".buttons button.highlight").forEach((b) => b.classList.remove("highlight"));
  updateControls();
}
