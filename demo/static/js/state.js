/* The state the modules share; each module that reads or changes it imports it explicitly.
 *
 * main.js fills `settings` from the URL and `el` with the page's elements before anything
 * else runs; `state` is the conversation's and the scenario player's state.
 */

/** Settings from the URL, set by main.js. */
export const settings = {
  pace: 1,                // ?pace=fast divides every delay by 20 (automated tests)
};

/** The page's elements, looked up once by main.js. */
export const el = {};

export const state = {
  session: "",            // this presenter's page session: "Today" counts its conversations
  sender: "",
  shownAs: new Map(),     // payload sent by a button -> the button's words, for the inspector
  generation: 0,          // bumps with every new conversation; stale replies are dropped
  busy: false,            // a message is on its way
  scenarios: [],
  scenariosLoaded: false,
  run: null,              // the scenario being played: {scenario, lang, stopped, paused, wakers}
  lastScenario: null,     // the scenario played last, for "Replay"
  technical: false,       // the inspector shows intents, slots and payloads
  dashboardScope: "session",  // "session" (this page) or "all" (every user of the server)
  lastTurnsError: "",
  lastDashboardError: "",
};
