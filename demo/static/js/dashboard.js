/* The "Today" panel: this presenter's session (or, switched, every page of the server), polled
 * every five seconds; service names in the page's language. */

import { ApiError, api } from "./api.js";
import { serviceNames } from "./catalogue.js";
import { notice } from "./chat.js";
import { currentLang, formatClock, formatNumber, formatPercent, t } from "./i18n.js";
import { el, state } from "./state.js";
import { make } from "./util.js";

const DASHBOARD_EVERY_MS = 5000;

function setNumber(node, value) {
  node.textContent = typeof value === "number" && Number.isFinite(value) ? formatNumber(value) : "—";
}

function renderDashboard(d, services) {
  setNumber(el.dashConversations, d.conversations);
  setNumber(el.dashMessages, d.messages);
  el.dashFallback.textContent = typeof d.fallback_rate === "number" ? formatPercent(d.fallback_rate) : "—";
  el.dashRating.textContent = typeof d.average_rating === "number"
    ? `${formatNumber(d.average_rating, { maximumFractionDigits: 1 })} / 5 (${formatNumber(d.ratings ?? 0)})`
    : "—";
  const top = Array.isArray(d.top_services) ? d.top_services : [];
  const max = Math.max(1, ...top.map((s) => Number(s.count) || 0));
  el.dashServices.replaceChildren(...top.map((s) => {
    const li = make("li");
    li.appendChild(make("bdi", "service-name", (services[s.service_id] || {}).title || s.service_id));
    li.appendChild(make("span", "count", formatNumber(Number(s.count) || 0)));
    li.style.setProperty("--share", ((Number(s.count) || 0) / max * 100).toFixed(1) + "%");
    return li;
  }));
  el.dashUpdated.textContent = t("updated", { time: formatClock(new Date()) });
}

let dashboardInFlight = false;
let dashboardAgain = false;
export async function refreshDashboard() {
  if (dashboardInFlight) { dashboardAgain = true; return; }
  dashboardInFlight = true;
  dashboardAgain = false;
  try {
    const scope = state.dashboardScope === "session" ? `?session=${state.session}` : "";
    const [data, services] = await Promise.all([api("api/dashboard" + scope), serviceNames(currentLang())]);
    renderDashboard(data, services);
    el.dashError.hidden = true;
    el.dashError.textContent = "";
    state.lastDashboardError = "";
  } catch (err) {
    const message = t("dashboard_failed", { error: err instanceof ApiError ? err.message : String(err) });
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

/** "session": this page's conversations; "all": every page of the server. */
export function setDashboardScope(scope) {
  state.dashboardScope = scope;
  for (const b of el.dashScopes) b.setAttribute("aria-pressed", String(b.dataset.scope === scope));
  refreshDashboard();
}

/** Show the figures now, then every DASHBOARD_EVERY_MS. */
export function startDashboard() {
  refreshDashboard();
  setInterval(refreshDashboard, DASHBOARD_EVERY_MS);
}
