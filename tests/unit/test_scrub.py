"""Personal data out of free text: what is removed, what must be left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from udsyn.clean.scrub import SCRUB_RULES, scrub_personal_data

NAMES = ["Mette Hansen"]


@pytest.mark.parametrize(
    ("text", "names", "scrubbed", "rules"),
    [
        # e-mail
        ("Skriv til mette.hansen@kolding.dk", (), "Skriv til [e-mail removed]", ("email",)),
        ("MH@Example.COM.", (), "[e-mail removed].", ("email",)),
        (
            "a+b_c@sub.dom-ain.dk og x@y.org",
            (),
            "[e-mail removed] og [e-mail removed]",
            ("email",),
        ),
        ("søren.ærø@kommune.dk", (), "[e-mail removed]", ("email",)),
        ("mette.hansen@kolding.dk", NAMES, "[e-mail removed]", ("email",)),  # e-mail first
        # phone
        ("Ring 12345678", (), "Ring [phone removed]", ("phone",)),
        ("tlf. 12 34 56 78.", (), "tlf. [phone removed].", ("phone",)),
        ("tlf: 1234 5678", (), "tlf: [phone removed]", ("phone",)),
        ("+45 12 34 56 78", (), "[phone removed]", ("phone",)),
        ("+4512345678", (), "[phone removed]", ("phone",)),
        ("0045 12345678", (), "[phone removed]", ("phone",)),
        ("(+45) 12345678", (), "(+45) [phone removed]", ("phone",)),
        ("12345678 eller 87654321", (), "[phone removed] eller [phone removed]", ("phone",)),
        # CPR, before phone
        ("cpr 010190-1234", (), "cpr [CPR removed]", ("cpr",)),
        ("0101901234", (), "[CPR removed]", ("cpr",)),
        ("311299-1234 og 3112991234", (), "[CPR removed] og [CPR removed]", ("cpr",)),
        ("010190-1234, 12345678", (), "[CPR removed], [phone removed]", ("cpr", "phone")),
        # CPR-shaped but implausible day or month: not CPR (and 10 digits are no phone)
        ("3201901234", (), "3201901234", ()),
        ("0113901234", (), "0113901234", ()),
        ("0001901234", (), "0001901234", ()),
        ("320190-1234", (), "320190-1234", ()),
        # names
        ("Mette Hansen svarede", NAMES, "[name removed] svarede", ("name",)),
        (
            "Spørg mette hansen eller METTE",
            NAMES,
            "Spørg [name removed] eller [name removed]",
            ("name",),
        ),
        ("Mette  Hansen", NAMES, "[name removed]", ("name",)),
        ("Hansen, Mette", NAMES, "[name removed], [name removed]", ("name",)),
        ("Hansens kontor", NAMES, "Hansens kontor", ()),  # whole words only
        ("Mettes idé", NAMES, "Mettes idé", ()),
        ("Bo Li var med; bo i Li", ["Bo Li"], "[name removed] var med; bo i Li", ("name",)),
        ("Anne van Dijk og van", ["Anne van Dijk"], "[name removed] og van", ("name",)),
        ("Anne-Marie Jensen", ["Anne-Marie Jensen"], "[name removed]", ("name",)),
        ("Anne og Marie", ["Anne-Marie Jensen"], "[name removed] og [name removed]", ("name",)),
        ("Søren Ærø", ["Søren Ærø"], "[name removed]", ("name",)),
        ("ærø og Ærøskøbing", ["Søren Ærø"], "[name removed] og Ærøskøbing", ("name",)),
        ("J.P. Olsen", ["J.P. Olsen"], "[name removed]", ("name",)),  # regex characters escaped
        ("Mette", ["", None, "Mette Hansen"], "[name removed]", ("name",)),
        # everything at once
        (
            "Mette Hansen, mh@x.dk, 12 34 56 78, 010190-1234",
            NAMES,
            "[name removed], [e-mail removed], [phone removed], [CPR removed]",
            ("cpr", "email", "name", "phone"),
        ),
        # as numbers are written in signatures and lists
        ("tlf.\u00a086\u00a081\u00a012\u00a034", (), "tlf.\u00a0[phone removed]", ("phone",)),
        ("ring 2012-3456", (), "ring [phone removed]", ("phone",)),
        ("12-34-56-78 / 12.34.56.78", (), "[phone removed] / [phone removed]", ("phone",)),
        ("tlf 12 345 678", (), "tlf [phone removed]", ("phone",)),
        ("+45 89 4012 34", (), "[phone removed]", ("phone",)),
        ("cpr 010180 1234", (), "cpr [CPR removed]", ("cpr",)),
        (
            "hte (at) kalundborg.dk, x[at]y.dk",
            (),
            "[e-mail removed], [e-mail removed]",
            ("email",),
        ),
        # a distribution list's name written surname first, or with a title after a comma
        (
            "Kontakt Jonas Prøvesen",
            ["Prøvesen, Jonas"],
            "Kontakt [name removed] [name removed]",
            ("name",),
        ),
        (
            "Venlig hilsen Hanne Testesen",
            ["Hanne Testesen, Kontorchef"],
            "Venlig hilsen [name removed] [name removed]",
            ("name",),
        ),
        ("Mvh Dorte", ["dorte dummysen"], "Mvh [name removed]", ("name",)),  # typed lower-case
        # must be left alone
        ("Startet i 2010, ca. 1,5 årsværk", NAMES, "Startet i 2010, ca. 1,5 årsværk", ()),
        ("mobil 2012 2013", (), "mobil 2012 2013", ()),  # two years, not a phone number
        (
            "møde 12.03.2014, 12-03-2014, 2014-03-12; budget 12.345.678 kr",
            (),
            "møde 12.03.2014, 12-03-2014, 2014-03-12; budget 12.345.678 kr",
            (),
        ),
        ("fra 2009 2010 til 2012", (), "fra 2009 2010 til 2012", ()),
        ("1990'erne, 2009/10, 2009-2010", (), "1990'erne, 2009/10, 2009-2010", ()),
        ("budget 1234567 kr. og 123456789 kr.", (), "budget 1234567 kr. og 123456789 kr.", ()),
        ("ID 12345678901", (), "ID 12345678901", ()),
        ("12 34 56", (), "12 34 56", ()),
        ("3 stillinger, 98 kommuner", (), "3 stillinger, 98 kommuner", ()),
        ("", NAMES, "", ()),
    ],
)
def test_scrub_personal_data(text, names, scrubbed, rules):
    assert scrub_personal_data(text, names) == (scrubbed, rules)


def test_none_stays_none():
    assert scrub_personal_data(None, NAMES) == (None, ())


def test_names_default_to_none_given():
    assert scrub_personal_data("Mette Hansen") == ("Mette Hansen", ())


def test_rule_documentation_is_complete():
    assert set(SCRUB_RULES) == {"email", "phone", "cpr", "name"}


@given(st.text())
def test_scrub_never_raises_and_reports_known_rules(text):
    scrubbed, rules = scrub_personal_data(text, NAMES)
    assert isinstance(scrubbed, str)
    assert set(rules) <= set(SCRUB_RULES)
    assert list(rules) == sorted(set(rules))
    assert (scrubbed == text) == (not rules)


@given(st.integers(min_value=1900, max_value=2099), st.integers(min_value=0, max_value=50))
def test_years_and_small_numbers_are_never_scrubbed(year, fte):
    text = f"Start {year}, {fte},5 årsværk, {year} {year}"
    assert scrub_personal_data(text, NAMES) == (text, ())
