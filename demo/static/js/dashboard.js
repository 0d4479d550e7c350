/* The "Today" panel: today's figures, and polling them every five seconds. */

import { ApiError, api } from "./api.js";
import { notice } from "./chat.js";
import { el, state } from "./state.js";
import { make, percent } from "./util.js";

const DASHBOARD_EVERY_MS = 5000;

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
export async function refreshDashboard() {
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

/** Show the figures now, then every DASHBOARD_EVERY_MS. */
export function startDashboard() {
  refreshDashboard();
  setInterval(refreshDashboard, DASHBOARD_EVERY_MS);
}
