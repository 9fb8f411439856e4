"""Reply text, signature fields and opportunity signals on whole messages (issue 13 Build 7, 8)."""

from __future__ import annotations

import pytest

from activities.inbox.reply_text import split_reply
from activities.inbox.signals import detect_signals
from activities.inbox.signature import parse_signature
from activities.inbox.understand import sender
from tests.unit.mail_fixtures import load_parsed
from workflows.mail_models import SignatureFields


def parsed(name: str, region: str = "US") -> tuple[str, SignatureFields, str]:
    msg = load_parsed(name)
    name, domain = sender(msg)
    parts = split_reply(msg.text, name)
    mid = msg.message_id or ""
    sig = parse_signature(
        parts.signature,
        message_id=mid,
        region=region,
        sender_name=name,
        sender_domain=domain,
    )
    return parts.text, sig, mid


def test_gmail_reply_drops_the_quoted_thread_and_reads_the_signature() -> None:
    text, sig, mid = parsed("gmail_reply_signature.eml")
    assert text.startswith("Hi team,") and text.endswith("contract renewal in March.")
    assert (
        "wrote:" not in text and "Your order ORD-77 was delivered" not in text and "Best regards" not in text
    )
    assert [p.value for p in sig.phones] == ["+442079460958", "+447911123456"]
    assert sig.title and sig.title.value == "Head of Procurement"
    assert sig.company and sig.company.value == "BrightPath Logistics Ltd."
    assert sig.linkedin and sig.linkedin.value == "https://www.linkedin.com/in/maria-lopez-bp"
    assert sig.address and sig.address.value == "221B Baker Street, London NW1 6XE, United Kingdom"
    assert {(v.source, v.message_id) for v in (sig.title, sig.company, sig.linkedin, *sig.phones)} == {
        ("signature", "<CAF8x2Yk3vQ+ZpL9wT_d0d4KxY0m7r=Ls1Xq2VbN8gH3@mail.gmail.com>")
    } and mid.startswith("<CAF8")


def test_outlook_reply_drops_the_from_sent_block_and_reads_a_signature_without_a_closing() -> None:
    text, sig, mid = parsed("outlook_client_request.eml")
    assert text.startswith("Hi,") and text.endswith("understand the volume discount.")
    assert "Sent: Wednesday" not in text and "Robert Chen" not in text
    assert [p.value for p in sig.phones] == ["+14155550134"]
    assert (sig.title and sig.title.value, sig.company and sig.company.value) == (
        "Operations Manager",
        "Summit Builders Inc.",
    )
    assert mid == "<PH0PR11MB51763A9E2C1F0D4B7E6A5C3DA1F52@PH0PR11MB5176.namprd11.prod.outlook.com>"


def test_a_german_signature_in_iso_8859_1_with_the_region_hint() -> None:
    _, sig, _ = parsed("iso8859_1_german.eml", region="DE")
    assert [p.value for p in sig.phones] == ["+498944456789"]
    assert (sig.title and sig.title.value, sig.company and sig.company.value) == (
        "Einkäufer",
        "Müller & Söhne GmbH",
    )
    assert sig.address and sig.address.value == "Hauptstraße 12, 80331 München"


def test_iphone_reply_drops_sent_from_and_the_quote() -> None:
    text, sig, _ = parsed("iphone_complaint.eml")
    assert text.endswith("as we open the new café then.") and "Sent from my iPhone" not in text
    assert "has shipped" not in text and sig.empty


def test_a_dash_dash_signature_delimiter_and_a_linkedin_company_page() -> None:
    parts = split_reply(
        "Sounds good, see you Monday.\n\n-- \nSam Park\nCTO at Nimbus Analytics\n"
        "linkedin.com/company/nimbus-analytics\n"
    )
    assert parts.text == "Sounds good, see you Monday." and parts.signature.startswith("Sam Park")
    sig = parse_signature(parts.signature, message_id="<m@x>", sender_name="Sam Park")
    assert sig.title and sig.title.value == "CTO" and sig.company and sig.company.value == "Nimbus Analytics"
    assert sig.linkedin and sig.linkedin.value == "https://www.linkedin.com/company/nimbus-analytics"


def test_an_invalid_phone_number_and_unknown_lines_are_left_out() -> None:
    sig = parse_signature("Best,\nAlex\nTel: +44 7700 900123\nThe team that ships\n", message_id="<m@x>")
    assert sig.empty


def kinds(text: str) -> dict[str, str]:
    return {s.kind: s.evidence for s in detect_signals(text)}


def test_signals_in_the_fixtures_with_the_seeds_strengths() -> None:
    text, _, _ = parsed("iphone_complaint.eml")
    found = {s.kind: s for s in detect_signals(text)}
    assert set(found) == {"complaint", "urgency"}
    assert found["complaint"].strength == 0.8 and found["urgency"].strength == 0.7
    assert found["complaint"].evidence == "The espresso grinder arrived damaged again, the hopper is cracked."
    text, _, _ = parsed("gmail_reply_signature.eml")
    found = {s.kind: s for s in detect_signals(text)}
    assert set(found) == {"upsell", "renewal"} and (found["upsell"].strength, found["renewal"].strength) == (
        0.6,
        0.7,
    )
    assert "another 40 units" in found["upsell"].evidence


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The invoice was wrong again, this is unacceptable.", "complaint"),
        ("We need the parts ASAP.", "urgency"),
        ("We would like to upgrade to the premium plan.", "upsell"),
        ("Our contract expires in February, let's talk.", "renewal"),
        ("I have recommended you to a colleague at Delta Corp.", "referral"),
        ("A friend of mine who runs a bakery might be interested.", "referral"),
    ],
)
def test_each_signal_kind_positive(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("No complaints at all, everything arrived fine.", "complaint"),
        ("This is not urgent, whenever you have time.", "urgency"),
        ("Thanks for the update.", "upsell"),
        ("We will not renew this year.", "renewal"),
    ],
)
def test_each_signal_kind_negative(text: str, kind: str) -> None:
    assert kind not in kinds(text)


@pytest.mark.parametrize(
    ("signature", "region", "expected"),
    [
        (
            "Thanks,\nJane Roe\nSales Director, Acme Corp\n+1 212 555 0199\n"
            "350 Fifth Avenue, New York, NY 10118",
            "US",
            ("Sales Director", "Acme Corp", "350 Fifth Avenue, New York, NY 10118", "+12125550199"),
        ),
        (
            "Pierre Dupont\nDirecteur commercial - Dupont SARL\nTél. 01 42 68 53 00\n"
            "12 rue de la Paix, 75002 Paris",
            "FR",
            ("Directeur commercial", "Dupont SARL", "12 rue de la Paix, 75002 Paris", "+33142685300"),
        ),
        (
            "Cheers\nTom\nFounder @ Widgetly\nm: 0412 345 678",
            "AU",
            ("Founder", "Widgetly", None, "+61412345678"),
        ),
    ],
)
def test_signature_layouts_and_regions(signature: str, region: str, expected: tuple[str | None, ...]) -> None:
    f = parse_signature(signature, message_id="<m@x>", region=region)
    got = (
        f.title and f.title.value,
        f.company and f.company.value,
        f.address and f.address.value,
        f.phones[0].value if f.phones else None,
    )
    assert got == expected
