"""How a reply greets the customer, in their language: the compose screen starts every reply
with it, and an incident's message goes to each customer inside it."""

from __future__ import annotations

GREETINGS = {
    "en": "Hello {first},",
    "pl": "Dzień dobry,",
    "ru": "Здравствуйте, {first}!",
}
GREETINGS_WITHOUT_NAME = {
    "en": "Hello,",
    "pl": "Dzień dobry,",
    "ru": "Здравствуйте!",
}


def greeting(language: str | None, first_name: str | None) -> str:
    language = language if language in GREETINGS else "en"
    if not first_name:
        return GREETINGS_WITHOUT_NAME[language]
    return GREETINGS[language].format(first=first_name)
