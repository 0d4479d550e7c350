"""What in a group is addressed to the bot: a reply to one of its messages, or a message that
names it (@its_username). In privacy mode (Telegram's default) the bot receives little else; a
bot made admin, or with privacy mode off, receives every message of the group, and the bridge
must still answer only what was said to it."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.ext import filters


def mentions(message: Message, username: str) -> bool:
    """Whether the text or caption names @username (Telegram marks it as a mention entity)."""
    found = message.parse_entities([MessageEntity.MENTION]) or message.parse_caption_entities(
        [MessageEntity.MENTION]
    )
    return any(said[1:].lower() == username.lower() for said in found.values())


def without_mention(said: str, username: str) -> str:
    """The question without @username: "@bot how much is a passport?" asks the question only."""
    return re.sub(
        rf"(?<![\w@])@{re.escape(username)}(?!\w)", " ", said, flags=re.IGNORECASE
    ).strip()


class AddressedToThisBot(filters.MessageFilter):
    """A reply to one of this bot's messages, or a message naming the bot."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        if author is not None and author.id == bot.id:
            return True
        return bool(bot.username) and mentions(message, bot.username)


# What the bridge answers: anything in a private chat; in a group, what is said to it.
ADDRESSED = filters.ChatType.PRIVATE | AddressedToThisBot()
