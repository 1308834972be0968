"""Normalisers for linking: what two spellings of one selector must agree on, and what must never match."""

import doctest
import re

import pytest
from hypothesis import assume, example, given, settings as hsettings, strategies as st

from safehub.linking import normalise as n
from safehub.linking.normalise import (
    is_partial_registration,
    name_key,
    name_variants,
    normalise_address,
    normalise_handle,
    normalise_name,
    normalise_phone,
    normalise_postcode,
    normalise_registration,
    phone_digits_pattern,
    postcode_district,
    registration_like_pattern,
    registration_matches,
    same_name_group,
    split_postcode,
)


def test_docstring_examples_hold():
    failed, attempted = doctest.testmod(n)
    assert attempted > 20
    assert failed == 0


# ------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("O'Neil", "oneil"),
        ("O’NEIL", "oneil"),
        ("Smith-Jones", "smith jones"),
        ("  Mary   Ann  ", "mary ann"),
        ("José", "jose"),
        ("Zoë Brontë", "zoe bronte"),
        ("Łukasz", "lukasz"),
        ("Søren", "soren"),
        ("Straße", "strasse"),
        ("Ægir", "aegir"),
        ("Ștefan Ionuț", "stefan ionut"),
        ("J.R. Smith", "j r smith"),
        ("", ""),
        ("   \t\n", ""),
        ("-'-", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_name_key_ignores_spaces_and_hyphens():
    assert name_key("Mc Donald") == name_key("McDonald") == name_key("mc-donald") == "mcdonald"
    assert name_key("Abdul Rahman") == name_key("Abdulrahman")
    assert name_key("McDonald") != name_key("MacDonald")


def test_name_variants_transliterations():
    for spelling in ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhammed", "Mohamad", "Mohamud"]:
        assert {"mohammed", "muhammad", "mohamud"} <= name_variants(spelling)
    assert "ahmad" in name_variants("Ahmed")
    assert {"yousef", "yusef"} <= name_variants("Yusuf")
    assert "joseph" not in name_variants("Yusuf")
    assert {"alexander", "sasha"} <= name_variants("Aleksandr")
    assert "michael" in name_variants("Mikhail")
    assert "seun" in name_variants("Oluwaseun")
    assert "shivaun" in name_variants("Siobhán")
    assert "abdirahman" in name_variants("Abdul-Rahman")


def test_name_variants_nicknames():
    assert name_variants("Bob") >= {"robert", "rob", "bobby"}
    assert name_variants("liam") >= {"william", "bill"}
    assert name_variants("Peggy") >= {"margaret", "meg"}
    assert name_variants("Tori") >= {"victoria", "vicky"}
    assert name_variants("Steven") >= {"stephen", "steve"}


def test_name_variants_of_unknown_or_empty_name():
    assert name_variants("Zebedee") == frozenset({"zebedee"})
    assert name_variants("") == frozenset()


def test_groups_are_not_merged_through_shared_nicknames():
    assert same_name_group("Sam", "Samantha")
    assert same_name_group("Sam", "Samuel")
    assert not same_name_group("Samantha", "Samuel")
    assert "samuel" not in name_variants("Samantha")
    assert not same_name_group("Robert", "William")
    assert not same_name_group("", "")


def test_same_name_group_is_case_and_accent_blind():
    assert same_name_group("SIOBHAN", "shivaun")
    assert same_name_group("Zoë", "zoe")
    assert same_name_group("zoe", "Zoey")


def test_name_table_is_broad_and_every_line_is_a_group():
    assert len(n.NAME_GROUPS) >= 60
    assert all(len(group) >= 2 for group in n.NAME_GROUPS)
    assert all(name == normalise_name(name) for group in n.NAME_GROUPS for name in group)


@hsettings(max_examples=500)
@given(st.text())
@example("İstanbul ǅemal ﬁnn Ⅻ ½")
def test_normalise_name_never_raises_and_is_trimmed_and_idempotent(text):
    name = normalise_name(text)
    assert name == name.strip()
    assert "  " not in name
    assert normalise_name(name) == name
    assert name_key(name) == name_key(text) == name.replace(" ", "")


@hsettings(max_examples=1000)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
@example("O'Neil-SMITH  `Mc Donald`\t12b St. Mary's Rd, TF1 2AB")
def test_ascii_names_and_addresses_read_as_the_unicode_path_reads_them(text):
    """Plain ASCII skips decomposition (the bulk linker's speed); it must give exactly what the full path gives."""
    assert n._fold(text) == n._fold_unicode(text)
    assert n._words(n._fold(text)) == n._words_unicode(n._fold_unicode(text))


@given(st.sampled_from(sorted({m for g in n.NAME_GROUPS for m in g})), st.randoms())
def test_name_variants_ignore_case_and_extra_spaces(name, rnd):
    messy = "  " + "".join(c.upper() if rnd.random() < 0.5 else c for c in name).replace(" ", "   ") + " "
    assert name_variants(messy) == name_variants(name)
    assert name in name_variants(messy)
    assert all(same_name_group(name, variant) for variant in name_variants(name))


# ------------------------------------------------------------------------------ registration marks


def test_normalise_registration():
    assert normalise_registration("ab12 cde") == "AB12CDE"
    assert normalise_registration(" AB-12.CDE ") == "AB12CDE"
    assert normalise_registration("ab12 c??") == "AB12C??"
    assert normalise_registration("ab**12") == "AB*12"
    assert normalise_registration("") == ""


def test_partial_registration_needs_a_wildcard():
    assert is_partial_registration("AB12 C??")
    assert is_partial_registration("*CDE")
    assert not is_partial_registration("AB12")
    assert not is_partial_registration("AB12 CDE")


def test_registration_matches():
    assert registration_matches("AB12 C??", "AB12CDE")
    assert registration_matches("ab12 c??", "ab12 cxy")
    assert not registration_matches("AB12 C??", "AB12DDE")
    assert not registration_matches("AB12 C??", "AB12CD")  # ? is exactly one character
    assert registration_matches("AB*", "AB12CDE")
    assert registration_matches("*12*", "AB12CDE")
    assert not registration_matches("*13*", "AB12CDE")
    assert registration_matches("AB12 CDE", "ab12cde")
    assert not registration_matches("AB12CDE", "AB12CDF")
    assert not registration_matches("AB12", "AB12CDE")  # a whole mark is not a prefix
    assert not registration_matches("AB12C??", "AB12C??")  # the full side must be a real mark
    assert not registration_matches("", "AB12CDE")


def test_registration_like_pattern():
    assert registration_like_pattern("ab12 c??") == "AB12C__"
    assert registration_like_pattern("*cde") == "%CDE"
    assert registration_like_pattern("AB12 CDE") == "AB12CDE"
    assert registration_like_pattern("ab_12%") == "AB12"  # LIKE specials in the input are dropped


LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
current_marks = st.builds(
    lambda a, d, b: a + d + b,
    st.text(LETTERS, min_size=2, max_size=2),
    st.text("0123456789", min_size=2, max_size=2),
    st.text(LETTERS, min_size=3, max_size=3),
)
prefix_marks = st.builds(
    lambda a, d, b: a + d + b,
    st.text(LETTERS, min_size=1, max_size=1),
    st.text("0123456789", min_size=1, max_size=3),
    st.text(LETTERS, min_size=3, max_size=3),
)
marks = current_marks | prefix_marks


def scramble(text, rnd, gaps=" -"):
    """Random case and random separators between the characters of text."""
    out = []
    for c in text:
        out.append(c.lower() if rnd.random() < 0.5 else c.upper())
        if rnd.random() < 0.3:
            out.append(rnd.choice(gaps) * rnd.randint(1, 2))
    return " " * rnd.randint(0, 2) + "".join(out) + " " * rnd.randint(0, 2)


@given(marks, st.randoms())
def test_registration_is_case_and_spacing_invariant_and_idempotent(mark, rnd):
    assert normalise_registration(scramble(mark, rnd)) == mark
    assert normalise_registration(mark) == mark
    assert registration_matches(scramble(mark, rnd), mark)


@given(st.text())
def test_normalise_registration_idempotent_on_any_text(text):
    once = normalise_registration(text)
    assert normalise_registration(once) == once
    assert re.fullmatch(r"[A-Z0-9?*]*", once)


@given(marks, st.data())
def test_trailing_wildcards_match_the_mark_and_not_one_differing_in_a_fixed_place(mark, data):
    hidden = data.draw(st.integers(1, len(mark) - 1))
    pattern = mark[:-hidden] + "?" * hidden
    assert is_partial_registration(pattern)
    assert registration_matches(pattern, mark)
    assert re.fullmatch(registration_like_pattern(pattern).replace("_", "."), mark)
    fixed = data.draw(st.integers(0, len(mark) - hidden - 1))
    other = data.draw(st.sampled_from([c for c in LETTERS + "0123456789" if c != mark[fixed]]))
    assert not registration_matches(pattern, mark[:fixed] + other + mark[fixed + 1 :])
    assert not registration_matches(pattern, mark + "A")


# ------------------------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    ["07700 900123", "+44 7700 900123", "447700900123", "0044 7700 900123", "(07700) 900-123",
     "07700900123", "+44 (0) 7700 900123", "+447700900123", " 07700-900-123 ", "Mob: 07700 900123"],
)
def test_uk_drama_mobile_formats_give_one_e164(raw):
    assert normalise_phone(raw) == "+447700900123"


def test_drama_numbers_are_not_valid_but_are_accepted():
    import phonenumbers

    parsed = phonenumbers.parse("07700 900123", "GB")
    assert not phonenumbers.is_valid_number(parsed)  # why the normaliser must use "possible"
    assert normalise_phone("07700 900123") == "+447700900123"
    assert normalise_phone("0121 496 0000") == "+441214960000"  # drama landline range


def test_other_countries_and_regions():
    assert normalise_phone("+1 202 555 0100") == "+12025550100"
    assert normalise_phone("06 12 34 56 78", region="FR") == "+33612345678"
    assert normalise_phone("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "abc", "12", "07700 9001", "0800 123", "07700 900 1??", "07700 900 1xx", "07700 900***",
     "07700 9001234567", "07700 ABCDEF", "07700 9OO123"],
)
def test_partial_short_and_lettered_phones_are_none(raw):
    assert normalise_phone(raw) is None


def test_phone_digits_pattern():
    assert phone_digits_pattern("07700 900 1??") == "77009001__"
    assert phone_digits_pattern("+44 7700 900xxx") == "7700900___"
    assert phone_digits_pattern("0044 7700 900 12*") == "770090012_"
    assert phone_digits_pattern("44 7700 900 12?") == "770090012_"
    assert phone_digits_pattern("07700 900123") == "7700900123"
    assert phone_digits_pattern("0?700 900123") == "_700900123"
    assert phone_digits_pattern("07700 9??") is None  # too short to be a UK number
    assert phone_digits_pattern("0??? ??? ????") is None  # no digit known
    assert phone_digits_pattern("+33 6 12 34 56 ??") is None
    assert phone_digits_pattern("call 07700 900 1??") is None
    assert phone_digits_pattern("") is None


drama_mobiles = st.integers(0, 999).map(lambda k: f"07700900{k:03d}")


@given(drama_mobiles, st.randoms())
def test_every_format_of_a_drama_mobile_gives_one_e164(number, rnd):
    expected = "+44" + number[1:]
    national = number[1:]
    formats = [
        number,
        f"{number[:5]} {number[5:]}",
        f"({number[:5]}) {number[5:8]}-{number[8:]}",
        f"+44 {national[:4]} {national[4:]}",
        f"+44 (0) {national}",
        "44" + national,
        "0044 " + national,
        scramble(number, rnd, gaps=" -."),
        "+44" + scramble(national, rnd, gaps=" -"),
    ]
    assert {normalise_phone(f) for f in formats} == {expected}
    assert normalise_phone(expected) == expected  # idempotent: E.164 is a valid input
    assert phone_digits_pattern(scramble(number, rnd)) == national


@given(drama_mobiles, st.data())
def test_hidden_trailing_digits_make_a_pattern_not_a_number(number, data):
    hidden = data.draw(st.integers(1, 4))
    mark = data.draw(st.sampled_from("?x*"))
    partial = number[:-hidden] + mark * hidden
    assert normalise_phone(partial) is None
    pattern = phone_digits_pattern(partial)
    assert pattern == number[1:-hidden] + "_" * hidden
    assert re.fullmatch(pattern.replace("_", r"\d"), number[1:])


@given(st.text())
def test_normalise_phone_never_raises_and_is_idempotent(text):
    e164 = normalise_phone(text)
    assert e164 is None or (re.fullmatch(r"\+[1-9]\d{5,14}", e164) and normalise_phone(e164) == e164)


# ---------------------------------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    "raw, expected",
    [("tf1 2ab", "TF1 2AB"), ("TF12AB", "TF1 2AB"), ("sw1a1aa", "SW1A 1AA"), ("  m1   1ae ", "M1 1AE"),
     ("b33 8th", "B33 8TH"), ("cr2 6xh", "CR2 6XH"), ("dn55 1pt", "DN55 1PT"), ("w1a 0ax", "W1A 0AX"),
     ("ec1a 1bb", "EC1A 1BB"), ("TF1-2AB", "TF1 2AB")],
)
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "TF1", "2AB", "TF1 2A", "QQ1 2AB", "TF1 2CB", "TFF1 2AB", "12345", "TF1 2AB X"]
)
def test_invalid_postcodes_are_none(raw):
    assert normalise_postcode(raw) is None


def test_postcode_district():
    assert postcode_district("tf1 2ab") == "TF1"
    assert postcode_district("SW1A1AA") == "SW1A"
    assert postcode_district("tf1") == "TF1"
    assert postcode_district("not a postcode") == ""


AREA1 = "ABCDEFGHIJKLMNOPRSTUWYZ"
AREA2 = "ABCDEFGHKLMNOPQRSTUVWXY"
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
outward_codes = st.one_of(
    st.builds(lambda a, d: a + d, st.sampled_from(AREA1), st.sampled_from("0123456789")),
    st.builds(lambda a, d: a + d, st.sampled_from(AREA1), st.text("0123456789", min_size=2, max_size=2)),
    st.builds(lambda a, b, d: a + b + d, st.sampled_from(AREA1), st.sampled_from(AREA2),
              st.text("0123456789", min_size=1, max_size=2)),
    st.builds(lambda a, d, x: a + d + x, st.sampled_from(AREA1), st.sampled_from("0123456789"),
              st.sampled_from("ABCDEFGHJKPSTUW")),
    st.builds(lambda a, b, d, x: a + b + d + x, st.sampled_from(AREA1), st.sampled_from(AREA2),
              st.sampled_from("0123456789"), st.sampled_from("ABEHMNPRVWXY")),
)
postcodes = st.builds(
    lambda out, d, letters: f"{out} {d}{letters}",
    outward_codes,
    st.sampled_from("0123456789"),
    st.text(INWARD_LETTERS, min_size=2, max_size=2),
)


@given(postcodes, st.randoms())
def test_postcode_is_case_and_spacing_invariant_and_idempotent(postcode, rnd):
    assert normalise_postcode(postcode) == postcode
    assert normalise_postcode(scramble(postcode.replace(" ", ""), rnd, gaps=" ")) == postcode
    assert postcode_district(scramble(postcode, rnd, gaps=" ")) == postcode.split()[0]


@given(st.text())
def test_normalise_postcode_idempotent_on_any_text(text):
    postcode = normalise_postcode(text)
    assert postcode is None or normalise_postcode(postcode) == postcode


# ------------------------------------------------------------------------------------------ handles


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("@Some.User", "some.user"),
        ("  some_user  ", "some_user"),
        ("@ some user", "someuser"),
        ("https://www.instagram.com/Some.User/", "some.user"),
        ("instagram.com/some.user?igshid=abc123", "some.user"),
        ("https://www.instagram.com/stories/Some.User/123/", "some.user"),
        ("https://www.tiktok.com/@Some_User", "some_user"),
        ("https://www.tiktok.com/@Some_User/video/7234567890", "some_user"),
        ("https://www.snapchat.com/add/SomeUser", "someuser"),
        ("snapchat.com/add/someuser?share_id=x", "someuser"),
        ("https://x.com/SomeUser", "someuser"),
        ("https://twitter.com/SomeUser/status/123", "someuser"),
        ("https://mobile.twitter.com/SomeUser", "someuser"),
        ("https://www.facebook.com/Some.User.99", "some.user.99"),
        ("https://m.facebook.com/profile.php?id=100012345678", "100012345678"),
        ("https://www.instagram.com/%40Some.User", "some.user"),
        ("", ""),
    ],
)
def test_normalise_handle(raw, expected):
    assert normalise_handle(raw) == expected


def test_urls_that_are_not_profiles_keep_their_address():
    assert normalise_handle("https://www.instagram.com/p/AbC123/") == "instagram.com/p/abc123"
    assert normalise_handle("https://www.tiktok.com/") == "tiktok.com"
    assert normalise_handle("https://example.com/Some.User/") == "example.com/some.user"


handles = st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=30)


@given(handles, st.randoms())
def test_handle_is_case_and_spacing_invariant(handle, rnd):
    assert normalise_handle(("@" if rnd.random() < 0.5 else "") + scramble(handle, rnd, gaps=" \t")) == handle
    assert normalise_handle(handle) == handle


@given(handles, st.sampled_from([
    "https://www.instagram.com/{}/", "instagram.com/{}", "https://www.tiktok.com/@{}",
    "https://www.snapchat.com/add/{}", "https://x.com/{}", "https://twitter.com/{}/status/1",
]))
def test_profile_url_gives_the_same_handle_as_the_handle(handle, template):
    not_profiles = set().union(*n._NOT_PROFILES.values(), {"stories"})
    assume(handle not in not_profiles)
    assert normalise_handle(template.format(handle.upper())) == handle


@hsettings(max_examples=500)
@given(st.text() | st.builds(lambda h, p: f"https://{h}/{p}", st.sampled_from(list(n._PLATFORMS)), st.text()))
def test_normalise_handle_never_raises_and_is_idempotent(text):
    handle = normalise_handle(text)
    assert normalise_handle(handle) == handle
    assert not handle.startswith("@")
    assert not any(c.isspace() for c in handle)


# ---------------------------------------------------------------------------------------- addresses


def test_split_postcode():
    assert split_postcode("12 High St, Telford, tf1 2ab") == ("12 High St, Telford", "TF1 2AB")
    assert split_postcode("TF12AB 12 High Street") == ("12 High Street", "TF1 2AB")
    assert split_postcode("12 High Street") == ("12 High Street", None)
    assert split_postcode("Flat 3 TF1 2CB") == ("Flat 3 TF1 2CB", None)  # C is never in an inward code
    assert split_postcode("Flat 3 XTF1 2AB") == ("Flat 3 XTF1 2AB", None)  # not a whole word


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("12 High St, Telford, tf1 2ab", "12 high street telford TF1 2AB"),
        ("12 St Mary's Rd, Telford", "12 saint marys road telford"),
        ("St. John's Cl", "saint johns close"),
        ("Flat 2, 5 Church St", "flat 2 5 church street"),
        ("Apartment 2 5 Church Street", "flat 2 5 church street"),
        ("Apt. 4, 9 Oak Ave", "flat 4 9 oak avenue"),
        ("1 Elm Ln", "1 elm lane"),
        ("7 Ash Cres", "7 ash crescent"),
        ("3 Beech Dr", "3 beech drive"),
        ("8 Yew Ct", "8 yew court"),
        ("TF12AB", "TF1 2AB"),
        ("", ""),
    ],
)
def test_normalise_address(raw, expected):
    assert normalise_address(raw) == expected


def test_address_spellings_agree():
    a = normalise_address("Flat 2, 12 St Mary's Rd, Telford TF1 2AB")
    b = normalise_address("flat 2 12 SAINT MARYS ROAD TELFORD tf12ab")
    c = normalise_address("Apt 2, 12 St. Mary’s Road,\nTelford,\nTF1  2AB")
    assert a == b == c
    assert a != normalise_address("Flat 2, 12 St Mary's Rd, Telford TF1 2AD")


address_words = st.sampled_from(["12", "4a", "flat", "apt", "st", "rd", "high", "mary's", "church", "cl",
                                 "ave", "telford", "st.", "ln", ",", "-", "dr", "Ct"])


@given(st.lists(address_words, max_size=8), st.none() | postcodes, st.randoms())
def test_address_is_case_and_spacing_invariant_and_idempotent(words, postcode, rnd):
    address = " ".join(words + ([postcode] if postcode else []))
    normal = normalise_address(address)
    assert normalise_address(normal) == normal
    shouted = "  ".join(w.upper() if rnd.random() < 0.5 else w for w in address.split(" "))
    assert normalise_address(shouted) == normal
    if postcode:
        assert normal.endswith(postcode)
        assert normalise_address(address.replace(postcode, postcode.replace(" ", "").lower())) == normal


@hsettings(max_examples=500)
@given(st.text())
def test_normalise_address_never_raises_and_is_idempotent(text):
    address = normalise_address(text)
    assert address == address.strip()
    assert normalise_address(address) == address
