/* The page's own server: a same-origin JSON API (/api/scenarios,
 * /api/conversations/{sender}/messages|turns, /api/dashboard) and its errors.
 * URLs are relative to the page, so the demo also works when mounted under a path prefix.
 */

export class ApiError extends Error {}

/** fetch JSON; any failure becomes an ApiError whose message is fit for a notice. */
export async function api(path, options = {}) {
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
