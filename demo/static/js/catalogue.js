/* The catalogue's service names and agencies in one language, asked once per language. */

import { api } from "./api.js";

const byLang = new Map();

/** {service_id: {title, agency}} in `lang`; a failed request is asked again next time. */
export function serviceNames(lang) {
  if (!byLang.has(lang)) {
    const names = api(`api/services?lang=${encodeURIComponent(lang)}`).then((data) =>
      Object.fromEntries((data.services || []).map((s) => [s.identifier, { title: s.title, agency: s.agency }])));
    names.catch(() => byLang.delete(lang));
    byLang.set(lang, names);
  }
  return byLang.get(lang);
}
