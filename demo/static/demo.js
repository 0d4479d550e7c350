/* Citizen Service Assistant: stage demo (browser side).
 *
 * Plain ES2020, no dependencies. Server text is only ever written with textContent.
 * Same-origin API: /api/scenarios, /api/conversations/{sender}/messages|turns, /api/dashboard.
 * URLs are relative to the page, so the demo also works when mounted under a path prefix.
 */
(() => {
  "use strict";

  // ---------------------------------------------------------------- settings

  const params = new URLSearchParams(window.location.search);
  /** ?pace=fast divides every delay by 20 (automated tests). */
  const PACE = params.get("pace") === "fast" ? 20 : 1;

  const DELAY = {
    perChar: 35,        // typing speed, ms per character
    typingCap: 2500,    // longest time spent typing one message
    beforeSend: 400,    // pause between typing and sending
    afterReply: 1500,   // time for the audience to read the reply
    highlight: 700,     // a button is highlighted this long before it is tapped
  };
  const DASHBOARD_EVERY_MS = 5000;

  const LANG_NAMES = { en: "English", fr: "Français", ar: "العربية" };

  // ---------------------------------------------------------------- elements

  const $ = (id) => document.getElementById(id);
  const el = {
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
  };

  // ---------------------------------------------------------------- state

  const state = {
    sender: "",
    generation: 0,          // bumps with every new conversation; stale replies are dropped
    busy: false,            // a message is on its way
    scenarios: [],
    scenariosLoaded: false,
    scenarioLang: "en",
    run: null,              // the scenario being played: {scenario, lang, stopped, wakers}
    lastTurnsError: "",
    lastDashboardError: "",
  };

  // ---------------------------------------------------------------- helpers

  function newSenderId() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return "demo-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function percent(value) {
    if (typeof value !== "number" || !Number.isFinite(value)) return "—";
    return Math.round(value * 100) + "%";
  }

  function show(value) {
    if (value === null || value === undefined) return "—";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  class ApiError extends Error {}

  /** fetch JSON; any failure becomes an ApiError whose message is fit for a notice. */
  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(path, {
        ...options,
        headers: { Accept: "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}) },
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError("The demo server cannot be reached. Is it running?");
    }
    let data = null;
    const raw = await response.text().catch(() => "");
    if (raw) {
      try { data = JSON.parse(raw); } catch (err) { data = null; }
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message;
      throw new ApiError(message || `The server answered ${response.status} ${response.statusText}`.trim() + ".");
    }
    if (data === null) throw new ApiError(`The server sent an unreadable answer for ${path}.`);
    return data;
  }

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
  const pause = (ms, run) => sleep(ms / PACE, run);

  // ---------------------------------------------------------------- chat

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

  function notice(text) {
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

  function updateControls() {
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
  async function sendMessage(text, shown) {
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

  function chooseButton(button) {
    button.classList.add("chosen");
    const row = button.closest(".buttons");
    if (row) row.classList.add("answered");
    return sendMessage(button.dataset.payload, button.textContent);
  }

  function setChatLanguage(lang) {
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

  function newConversation() {
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

  // ---------------------------------------------------------------- inspector

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

  async function refreshTurns() {
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

  // ---------------------------------------------------------------- dashboard

  function setNumber(node, value) {
    node.textContent = typeof value === "number" && Number.isFinite(value) ? value.toLocaleString("en") : "—";
  }

  function renderDashboard(d) {
    setNumber(el.dashConversations, d.conversations);
    setNumber(el.dashMessages, d.messages);
    el.dashFallback.textContent = typeof d.fallback_rate === "number" ? percent(d.fallback_rate) : "—";
    el.dashRating.textContent = typeof d.average_rating === "number"
      ? `${d.average_rating.toFixed(1)} / 5 (${d.ratings ?? 0})`
      : "—";
    const services = Array.isArray(d.top_services) ? d.top_services : [];
    const max = Math.max(1, ...services.map((s) => Number(s.count) || 0));
    el.dashServices.replaceChildren(...services.map((s) => {
      const li = make("li", "", `${s.title || s.service_id} × ${s.count}`);
      li.style.setProperty("--share", ((Number(s.count) || 0) / max * 100).toFixed(1) + "%");
      return li;
    }));
    const now = new Date();
    el.dashUpdated.textContent = "updated " + now.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  let dashboardInFlight = false;
  let dashboardAgain = false;
  async function refreshDashboard() {
    if (dashboardInFlight) { dashboardAgain = true; return; }
    dashboardInFlight = true;
    dashboardAgain = false;
    try {
      const data = await api("api/dashboard");
      renderDashboard(data);
      el.dashError.hidden = true;
      el.dashError.textContent = "";
      state.lastDashboardError = "";
    } catch (err) {
      const message = "Dashboard: " + (err instanceof ApiError ? err.message : String(err));
      el.dashError.hidden = false;
      el.dashError.textContent = message;
      // one notice per distinct problem, not one every five seconds
      if (message !== state.lastDashboardError) notice(message);
      state.lastDashboardError = message;
    } finally {
      dashboardInFlight = false;
      if (dashboardAgain) refreshDashboard();
    }
  }

  // ---------------------------------------------------------------- scenarios

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

  function setScenarioLang(lang) {
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

  async function loadScenarios() {
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

  function setStatus(stateName, text) {
    el.scenarioStatus.dataset.state = stateName;
    el.scenarioStatus.textContent = text;
  }

  /** Type `text` into the input at a human pace (35 ms a character, at most ~2.5 s). */
  async function typeIntoInput(text, run) {
    const chars = Array.from(text);
    el.input.value = "";
    if (!chars.length) return;
    const perChar = Math.min(DELAY.perChar, DELAY.typingCap / chars.length) / PACE;
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

  function stopScenario() {
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
  refreshDashboard();
  setInterval(refreshDashboard, DASHBOARD_EVERY_MS);
})();
