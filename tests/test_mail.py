"""The one mail assembly, read back the way a mail client reads it."""

import email
from email import policy

from dailypapers.lib.mail import build_mail, one_click_unsubscribe_headers


def parsed(message):
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def test_a_built_mail_is_multipart_alternative_with_both_parts_and_its_headers(settings):
    settings.DEFAULT_FROM_EMAIL = "Daily Papers <digest@papers.example>"
    message = build_mail(
        subject="Today’s papers",
        text="Plain words, and an ü.\n",
        html="<p>Rich <b>words</b>, and an ü.</p>",
        to=["reader@example.org"],
        headers={**one_click_unsubscribe_headers("https://papers.example/u/abc", "leave@papers.example"),
                 "Precedence": "bulk"},
        message_id="<digest.1.2.3@papers.example>",
    )
    mail = parsed(message)
    assert mail.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in mail.iter_parts()}
    assert parts == {"text/plain": "Plain words, and an ü.\n", "text/html": "<p>Rich <b>words</b>, and an ü.</p>"}
    assert mail["Subject"] == "Today’s papers"
    assert mail["From"] == "Daily Papers <digest@papers.example>"
    assert mail["To"] == "reader@example.org"
    assert mail["Message-ID"] == "<digest.1.2.3@papers.example>"
    assert mail["List-Unsubscribe"] == "<https://papers.example/u/abc>, <mailto:leave@papers.example?subject=unsubscribe>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Precedence"] == "bulk"


def test_without_a_mailto_the_unsubscribe_header_is_the_link_alone():
    assert one_click_unsubscribe_headers("https://papers.example/u/abc") == {
        "List-Unsubscribe": "<https://papers.example/u/abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_without_a_message_id_django_makes_one(settings):
    message = build_mail(subject="s", text="t", html="<p>t</p>", to=["reader@example.org"])
    assert parsed(message)["Message-ID"].startswith("<")
