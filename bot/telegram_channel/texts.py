"""What the bridge itself says (everything else comes from the assistant), per language."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "unknown_command": "I do not know that command. /help shows what I can do.",
        "button_expired": "This button has expired. Here is what I can do:",
        "choose": "Please choose:",
        "failed": "Sorry, something went wrong on my side. Please send your message again.",
        "rasa_down": "Sorry, the assistant is not available right now. Please try again in a "
        "few minutes.",
        "unsupported": "I can only read text messages, button taps and shared locations. "
        "Please type your question, or send your location to find the nearest office.",
        "forgotten": "Done: I deleted our conversation, {tickets} request(s) for a person and "
        "{ratings} rating(s). We start again from zero.",
        "forgotten_appointments": "{appointments} booked appointment(s) stay with the office "
        "but are no longer linked to this chat; to cancel one, call the office.",
        "forget_failed": "Sorry, I could not delete the conversation right now. Please try "
        "/forget again in a few minutes.",
        "choose_language": "Choose your language:",
        "command_start": "Welcome and what I can do",
        "command_help": "What I can do",
        "command_lang": "Choose English, French or Arabic",
        "command_reset": "Start over",
        "command_forget": "Delete what the assistant stored about this chat",
        "command_status": "Application status: /status CIV-2026-00042",
    },
    "fr": {
        "unknown_command": "Je ne connais pas cette commande. /help montre ce que je sais faire.",
        "button_expired": "Ce bouton a expiré. Voici ce que je sais faire :",
        "choose": "Choisissez :",
        "failed": "Désolé, une erreur s'est produite de mon côté. Renvoyez votre message, s'il "
        "vous plaît.",
        "rasa_down": "Désolé, l'assistant n'est pas disponible pour le moment. Réessayez dans "
        "quelques minutes.",
        "unsupported": "Je ne lis que les messages texte, les boutons et les positions "
        "partagées. Écrivez votre question, ou envoyez votre position pour trouver le bureau le "
        "plus proche.",
        "forgotten": "C'est fait : j'ai supprimé notre conversation, {tickets} demande(s) "
        "d'agent et {ratings} note(s). On repart de zéro.",
        "forgotten_appointments": "{appointments} rendez-vous réservé(s) reste(nt) au bureau "
        "mais ne sont plus liés à cette conversation ; pour en annuler un, appelez le bureau.",
        "forget_failed": "Désolé, je n'ai pas pu supprimer la conversation. Réessayez /forget "
        "dans quelques minutes.",
        "choose_language": "Choisissez votre langue :",
        "command_start": "Bienvenue et ce que je sais faire",
        "command_help": "Ce que je sais faire",
        "command_lang": "Choisir l'anglais, le français ou l'arabe",
        "command_reset": "Recommencer",
        "command_forget": "Supprimer ce que l'assistant a enregistré sur cette conversation",
        "command_status": "Suivi d'un dossier : /status CIV-2026-00042",
    },
    "ar": {
        "unknown_command": "لا أعرف هذا الأمر. الأمر ‎/help يعرض ما يمكنني فعله.",
        "button_expired": "انتهت صلاحية هذا الزر. هذا ما يمكنني فعله:",
        "choose": "اختر من فضلك:",
        "failed": "عذرا، حدث خطأ من جهتي. يرجى إرسال رسالتك مرة أخرى.",
        "rasa_down": "عذرا، المساعد غير متاح حاليا. يرجى المحاولة بعد بضع دقائق.",
        "unsupported": "أستطيع قراءة الرسائل النصية والأزرار والمواقع المشاركة فقط. اكتب سؤالك، "
        "أو أرسل موقعك لأجد لك أقرب مكتب.",
        "forgotten": "تم: حذفت محادثتنا و{tickets} طلب(ات) تحدث مع موظف و{ratings} تقييم(ات). "
        "نبدأ من جديد.",
        "forgotten_appointments": "{appointments} موعد(مواعيد) محجوز(ة) تبقى لدى المكتب لكنها لم "
        "تعد مرتبطة بهذه المحادثة؛ لإلغاء موعد اتصل بالمكتب.",
        "forget_failed": "عذرا، تعذر حذف المحادثة الآن. أعد المحاولة بالأمر /forget بعد بضع دقائق.",
        "choose_language": "اختر لغتك:",
        "command_start": "الترحيب وما يمكنني فعله",
        "command_help": "ما يمكنني فعله",
        "command_lang": "اختيار العربية أو الفرنسية أو الإنجليزية",
        "command_reset": "البدء من جديد",
        "command_forget": "حذف ما خزنه المساعد عن هذه المحادثة",
        "command_status": "حالة ملف: ‎/status CIV-2026-00042",
    },
}

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}


def text(key: str, lang: str | None) -> str:
    return TEXTS.get(lang or "en", TEXTS["en"])[key]
