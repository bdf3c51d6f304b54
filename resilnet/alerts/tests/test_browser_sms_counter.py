"""The compose page's live SMS counter (static/alerts/sms-counter.js) in real headless
Chromium: for texts typed into the SMS field it shows exactly the figures the server's
gsm.measure gives for the text the form sends (characters, units, encoding, segments),
at the single-message and part limits of both encodings."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import PASSWORD
from resilnet.alerts import gsm
from resilnet.alerts.forms import InfoForm
from resilnet.alerts.models import Alert
from resilnet.alerts.services import authoring
from resilnet.alerts.tests.conftest import cholera

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELD = "textarea[name='en-sms_text']"
COUNTER = f"{FIELD} + p[aria-live]"

TEXTS = {
    "plain GSM": "Cholera in Nairobi: boil water, wash hands. Clinic 0800 721 316.",
    "extension table": "Kit €5 [a]{b}^~\\| and back",
    "160 septets": "a" * 160,
    "161 septets": "a" * 161,
    "160 septets with escapes": "€" * 80,
    "161 septets by an escape": "a" * 159 + "€",
    "escape across the 153 boundary": "a" * 152 + "€" + "b" * 20,
    "escape at the end of a part": "a" * 151 + "€" + "b" * 20,
    "basic-only accents": "Ça va? Øre, ñandú, Ξ Δ ¿¡ § à",
    "Arabic": "الكوليرا: اغلوا الماء قبل الشرب.",
    "emoji": "Boil water 💧 now",
    "70 UCS-2 units": "ب" * 70,
    "71 UCS-2 units": "ب" * 71,
    "70 units of surrogate pairs": "💧" * 35,
    "surrogate pair across the 67 boundary": "ب" * 66 + "💧" + "ب" * 5,
    "a GSM text made UCS-2 by one character": "a" * 100 + "ŵ",
    "empty": "",
}


def figures(text: str, language: str = "en") -> str:
    """What the counter should say, in the words of the form's pattern in `language`."""
    m = gsm.measure(text)
    pattern = InfoForm.base_fields["sms_text"].widget.attrs["data-sms-counter"]
    with translation.override(language):
        return str(pattern) % {
            "characters": m.characters,
            "encoding": m.encoding,
            "units": m.units,
            "segments": m.segments,
        }


@pytest.fixture
def locale():
    return "en"


@pytest.fixture
def compose(browser, live_server, author, locale):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", author.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    alert = authoring.do_create_alert(author, cholera())
    page.goto(f"{live_server.url}/alerts/{alert.pk}/edit/")
    yield page, alert
    context.close()
    assert errors == []


def test_the_counter_shows_the_servers_figures(compose):
    page, _alert = compose
    shown = {}
    for name, text in TEXTS.items():
        page.fill(FIELD, text)
        shown[name] = page.text_content(COUNTER)
    assert shown == {name: figures(text) for name, text in TEXTS.items()}


def test_the_counter_follows_keystrokes(compose):
    page, _alert = compose
    page.fill(FIELD, "a" * 158)
    page.locator(FIELD).press_sequentially("€")  # 160 septets: still one message
    assert page.text_content(COUNTER) == figures("a" * 158 + "€")
    page.locator(FIELD).press_sequentially("b")
    assert page.text_content(COUNTER) == figures("a" * 158 + "€b")
    page.locator(FIELD).press_sequentially("😷")
    assert page.text_content(COUNTER) == figures("a" * 158 + "€b😷")


def test_line_breaks_count_as_the_form_sends_them(compose):
    """A textarea's value holds LF; a form sends each line break as CRLF, and the server
    measures (and sends by SMS) what it received."""
    page, alert = compose
    text = "Cholera.\nBoil water.\nCall 1234."
    page.fill(FIELD, text)
    shown = page.text_content(COUNTER)
    page.click("button[name=save]")
    page.wait_for_load_state()
    saved = Alert.objects.get(pk=alert.pk).infos.get(language="en").sms_text
    assert saved.replace("\r\n", "\n") == text
    assert shown == figures(saved)


def test_a_character_no_sms_can_carry_is_named(compose):
    page, _alert = compose
    page.fill(FIELD, "Boil\twater")
    with pytest.raises(gsm.UnencodableText) as refused:
        gsm.measure("Boil\twater")
    assert refused.value.index == 4
    assert page.text_content(COUNTER) == "Character 5 cannot be sent by SMS."


@pytest.mark.parametrize("locale", ["fr"])
def test_the_counter_speaks_the_pages_language(compose, locale):
    page, _alert = compose
    page.fill(FIELD, "Boil water 💧 now")
    shown = page.text_content(COUNTER)
    assert shown == figures("Boil water 💧 now", "fr")
    assert shown != figures("Boil water 💧 now", "en")  # the French words, not the English
    page.fill(FIELD, "Boil\twater")
    assert page.text_content(COUNTER) == "Le caractère 5 ne peut pas être envoyé par SMS."
