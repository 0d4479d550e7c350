/* The page's own words in English, French and Arabic, and the page's language.
 *
 * The presenter picks the page's language (the language switch, or ?lang=); the page turns
 * right to left in Arabic. The assistant's replies come in the conversation's language.
 * Elements of index.html name their text with data-i18n (textContent), data-i18n-placeholder,
 * data-i18n-label (aria-label) and data-i18n-title.
 */

const TEXTS = {
  en: {
    title: "Citizen Service Assistant",
    tagline: "one front door for all agencies",
    new_conversation: "New conversation",
    presenter_mode: "Presenter mode",
    hide_inspector: "Hide inspector",
    show_inspector: "Show inspector",
    demo_controls: "Demo controls",
    conversation: "Conversation",
    your_message: "Your message",
    placeholder: "Your question",
    send: "Send",
    messages: "Messages",
    inspector: "Behind the answer",
    technical_view: "Technical view",
    inspector_empty: "Each question appears here: what the assistant understood, which agency's system it asked, and how long that took.",
    no_turn_yet: "No message yet in this conversation.",
    scenarios: "Scenarios",
    page_language: "Page language",
    loading_scenarios: "Loading scenarios…",
    no_scenarios: "No scenarios.",
    pick_scenario: "Pick a scenario to play it.",
    stop: "Stop",
    pause: "Pause",
    resume: "Resume",
    step: "Next step",
    replay: "Replay",
    today: "Today",
    this_session: "This session",
    everyone: "Everyone",
    conversations: "Conversations",
    messages_kpi: "Messages",
    not_understood: "Not understood",
    rating: "Rating",
    most_asked: "Most asked services",
    updated: "updated {time}",
    ask_anything: "Ask about any public service, in your own words:",
    typing: "The assistant is typing",
    no_reply: "The assistant sent no reply to this message.",
    went_wrong: "Something went wrong: {error}",
    turn: "Question {n}",
    understood: "Understood",
    sure: "{percent} sure",
    not_sure: "not sure",
    asked: "Asked",
    registry: "the service registry",
    nothing_asked: "no agency system needed",
    answered_in: "Answered in {ms}",
    failed_call: "did not answer",
    language: "Language",
    intent: "Intent",
    runner_up: "Runner-up",
    entities: "Entities",
    slots: "Slots",
    actions: "Actions",
    registry_calls: "Registry calls",
    payload: "Answer payload",
    conversation_id: "Conversation id",
    time_to_answer: "Time to answer",
    playing: "Playing: {title} (step {step}/{total})",
    paused: "Paused: {title} (step {step}/{total})",
    finished: "Finished: {title}",
    stopped: "Stopped: {title} (step {step}/{total})",
    failed: "Failed: {title} (step {step}/{total}): {why}",
    no_steps: "“{title}” has no steps in this language.",
    steps: "{n} steps",
    scenario_no_button: "Scenario stopped: the assistant's last message with buttons has no button {n}.",
    scenario_bad_step: "Scenario stopped: step {n} is neither “say” nor “tap”.",
    scenario_no_answer: "the server did not answer",
    scenarios_failed: "Scenarios could not be loaded: {error}",
    inspector_failed: "Inspector: {error}",
    dashboard_failed: "Today's figures: {error}",
  },
  fr: {
    title: "Assistant des services publics",
    tagline: "un guichet unique pour toutes les administrations",
    new_conversation: "Nouvelle conversation",
    presenter_mode: "Mode présentation",
    hide_inspector: "Masquer les coulisses",
    show_inspector: "Montrer les coulisses",
    demo_controls: "Commandes de la démo",
    conversation: "Conversation",
    your_message: "Votre message",
    placeholder: "Votre question",
    send: "Envoyer",
    messages: "Messages",
    inspector: "Derrière la réponse",
    technical_view: "Vue technique",
    inspector_empty: "Chaque question apparaît ici : ce que l'assistant a compris, quel système d'administration il a consulté et le temps de réponse.",
    no_turn_yet: "Pas encore de message dans cette conversation.",
    scenarios: "Scénarios",
    page_language: "Langue de la page",
    loading_scenarios: "Chargement des scénarios…",
    no_scenarios: "Aucun scénario.",
    pick_scenario: "Choisissez un scénario pour le jouer.",
    stop: "Arrêter",
    pause: "Pause",
    resume: "Reprendre",
    step: "Étape suivante",
    replay: "Rejouer",
    today: "Aujourd'hui",
    this_session: "Ma séance",
    everyone: "Tous",
    conversations: "Conversations",
    messages_kpi: "Messages",
    not_understood: "Non compris",
    rating: "Note",
    most_asked: "Services les plus demandés",
    updated: "mis à jour à {time}",
    ask_anything: "Posez votre question sur un service public, avec vos mots :",
    typing: "L'assistant écrit",
    no_reply: "L'assistant n'a pas répondu à ce message.",
    went_wrong: "Un problème est survenu : {error}",
    turn: "Question {n}",
    understood: "Compris",
    sure: "sûr à {percent}",
    not_sure: "pas sûr",
    asked: "Consulté",
    registry: "le registre des services",
    nothing_asked: "aucun système consulté",
    answered_in: "Réponse en {ms}",
    failed_call: "n'a pas répondu",
    language: "Langue",
    intent: "Intention",
    runner_up: "Deuxième choix",
    entities: "Entités",
    slots: "Slots",
    actions: "Actions",
    registry_calls: "Appels au registre",
    payload: "Réponse structurée",
    conversation_id: "Identifiant de conversation",
    time_to_answer: "Temps de réponse",
    playing: "En cours : {title} (étape {step}/{total})",
    paused: "En pause : {title} (étape {step}/{total})",
    finished: "Terminé : {title}",
    stopped: "Arrêté : {title} (étape {step}/{total})",
    failed: "Échec : {title} (étape {step}/{total}) : {why}",
    no_steps: "« {title} » n'a pas d'étapes dans cette langue.",
    steps: "{n} étapes",
    scenario_no_button: "Scénario arrêté : le dernier message à boutons de l'assistant n'a pas de bouton {n}.",
    scenario_bad_step: "Scénario arrêté : l'étape {n} n'est ni « say » ni « tap ».",
    scenario_no_answer: "le serveur n'a pas répondu",
    scenarios_failed: "Les scénarios n'ont pas pu être chargés : {error}",
    inspector_failed: "Coulisses : {error}",
    dashboard_failed: "Chiffres du jour : {error}",
  },
  ar: {
    title: "مساعد الخدمات العمومية",
    tagline: "بوابة واحدة لكل الإدارات",
    new_conversation: "محادثة جديدة",
    presenter_mode: "وضع العرض",
    hide_inspector: "إخفاء الكواليس",
    show_inspector: "إظهار الكواليس",
    demo_controls: "أدوات العرض",
    conversation: "المحادثة",
    your_message: "رسالتك",
    placeholder: "سؤالك",
    send: "إرسال",
    messages: "الرسائل",
    inspector: "وراء الجواب",
    technical_view: "العرض التقني",
    inspector_empty: "يظهر هنا كل سؤال: ما فهمه المساعد، ونظام أي إدارة استشار، وكم استغرق الجواب.",
    no_turn_yet: "لا رسائل بعد في هذه المحادثة.",
    scenarios: "السيناريوهات",
    page_language: "لغة الصفحة",
    loading_scenarios: "جارٍ تحميل السيناريوهات…",
    no_scenarios: "لا سيناريوهات.",
    pick_scenario: "اختر سيناريو لتشغيله.",
    stop: "إيقاف",
    pause: "توقف مؤقت",
    resume: "استئناف",
    step: "الخطوة التالية",
    replay: "إعادة",
    today: "اليوم",
    this_session: "جلستي",
    everyone: "الجميع",
    conversations: "المحادثات",
    messages_kpi: "الرسائل",
    not_understood: "لم تُفهم",
    rating: "التقييم",
    most_asked: "الخدمات الأكثر طلبًا",
    updated: "حُدّث {time}",
    ask_anything: "اسأل عن أي خدمة عمومية بكلماتك:",
    typing: "المساعد يكتب",
    no_reply: "لم يرسل المساعد ردًا على هذه الرسالة.",
    went_wrong: "حدث خطأ: {error}",
    turn: "السؤال {n}",
    understood: "فهم",
    sure: "متأكد بنسبة {percent}",
    not_sure: "غير متأكد",
    asked: "استشار",
    registry: "سجل الخدمات",
    nothing_asked: "لم يحتج إلى أي نظام",
    answered_in: "أجاب في {ms}",
    failed_call: "لم يُجب",
    language: "اللغة",
    intent: "النية",
    runner_up: "الاحتمال الثاني",
    entities: "الكيانات",
    slots: "الخانات",
    actions: "الإجراءات",
    registry_calls: "طلبات السجل",
    payload: "الجواب المنظم",
    conversation_id: "معرّف المحادثة",
    time_to_answer: "مدة الجواب",
    playing: "قيد التشغيل: {title} (الخطوة {step}/{total})",
    paused: "متوقف مؤقتًا: {title} (الخطوة {step}/{total})",
    finished: "انتهى: {title}",
    stopped: "أُوقف: {title} (الخطوة {step}/{total})",
    failed: "فشل: {title} (الخطوة {step}/{total}): {why}",
    no_steps: "«{title}» بلا خطوات بهذه اللغة.",
    steps: "{n} خطوات",
    scenario_no_button: "توقف السيناريو: آخر رسالة بأزرار لا تحتوي على الزر {n}.",
    scenario_bad_step: "توقف السيناريو: الخطوة {n} ليست «say» ولا «tap».",
    scenario_no_answer: "لم يُجب الخادم",
    scenarios_failed: "تعذّر تحميل السيناريوهات: {error}",
    inspector_failed: "الكواليس: {error}",
    dashboard_failed: "أرقام اليوم: {error}",
  },
};

/** What the assistant understood, in plain words: one label per intent (topics of a service
 * question are intents too, see common/topics.py). */
const UNDERSTOOD = {
  en: {
    ask_overview: "what the service is", ask_documents: "documents to bring", ask_fees: "fees",
    ask_processing_time: "how long it takes", ask_offices: "where to go", ask_eligibility: "who can apply",
    ask_how_to_apply: "how to apply", inform_service: "a service", check_application_status: "an application's status",
    book_appointment: "booking an appointment", cancel_appointment: "cancelling an appointment",
    inform: "an answer to its question", greet: "a greeting", goodbye: "goodbye", thank: "thanks",
    ask_capabilities: "what it can do", bot_challenge: "“are you a robot?”", affirm: "yes", deny: "no",
    restart: "starting over", out_of_scope: "something no agency here handles", give_feedback: "feedback",
    rating: "a rating", request_human: "a request for a person", set_language: "a language choice",
    life_event: "a life event", find_office: "the nearest office", share_location: "a location",
  },
  fr: {
    ask_overview: "ce qu'est le service", ask_documents: "les pièces à fournir", ask_fees: "les frais",
    ask_processing_time: "le délai", ask_offices: "où aller", ask_eligibility: "qui peut en bénéficier",
    ask_how_to_apply: "comment faire la demande", inform_service: "un service", check_application_status: "le suivi d'un dossier",
    book_appointment: "une prise de rendez-vous", cancel_appointment: "une annulation de rendez-vous",
    inform: "une réponse à sa question", greet: "une salutation", goodbye: "un au revoir", thank: "un merci",
    ask_capabilities: "ce qu'il sait faire", bot_challenge: "« êtes-vous un robot ? »", affirm: "oui", deny: "non",
    restart: "recommencer", out_of_scope: "une demande hors des services couverts", give_feedback: "un avis",
    rating: "une note", request_human: "une demande de conseiller", set_language: "un choix de langue",
    life_event: "un événement de vie", find_office: "le bureau le plus proche", share_location: "une position",
  },
  ar: {
    ask_overview: "تعريف الخدمة", ask_documents: "الوثائق المطلوبة", ask_fees: "الرسوم",
    ask_processing_time: "مدة الإنجاز", ask_offices: "مكان التقديم", ask_eligibility: "من يحق له",
    ask_how_to_apply: "طريقة التقديم", inform_service: "خدمة", check_application_status: "حالة طلب",
    book_appointment: "حجز موعد", cancel_appointment: "إلغاء موعد",
    inform: "جوابًا عن سؤاله", greet: "تحية", goodbye: "وداعًا", thank: "شكرًا",
    ask_capabilities: "ما يستطيع فعله", bot_challenge: "«هل أنت روبوت؟»", affirm: "نعم", deny: "لا",
    restart: "البدء من جديد", out_of_scope: "طلبًا خارج الخدمات المتاحة", give_feedback: "رأيًا",
    rating: "تقييمًا", request_human: "طلب موظف", set_language: "اختيار لغة",
    life_event: "مناسبة حياتية", find_office: "أقرب مكتب", share_location: "موقعًا",
  },
};

export const PAGE_LANGS = Object.keys(TEXTS);
let pageLang = "en";

export function currentLang() {
  return pageLang;
}

/** The page's text for `key`, with {name} placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = TEXTS[pageLang][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The plain-words label of an intent, or null for an intent the page has no words for. */
export function understoodLabel(intent) {
  return UNDERSTOOD[pageLang][intent] ?? null;
}

/** A number as the page's language writes it (Latin digits, as on the assistant's answers). */
export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(pageLang + "-u-nu-latn", options).format(value);
}

export function formatPercent(fraction) {
  return formatNumber(fraction, { style: "percent", maximumFractionDigits: 0 });
}

export function formatMs(ms) {
  return formatNumber(Math.round(ms), { style: "unit", unit: "millisecond", unitDisplay: "short" });
}

export function formatClock(date) {
  return new Intl.DateTimeFormat(pageLang + "-u-nu-latn", { timeStyle: "medium" }).format(date);
}

/** Switch the page to `lang`: its own words, its direction, and <html lang>. */
export function setPageLang(lang) {
  if (!TEXTS[lang]) return;
  pageLang = lang;
  const root = document.documentElement;
  root.lang = lang;
  root.dir = lang === "ar" ? "rtl" : "ltr";
  document.title = `${t("title")} — demo`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
}
