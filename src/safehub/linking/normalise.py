"""Normalisers for names, registration marks, phones, postcodes, handles and addresses.

A simple stand-in: the fuller version (more name groups, partial marks) replaces this module on merge, with the
same function names and meanings. Every function takes raw text (None or blank allowed).
"""

import re
import unicodedata

import phonenumbers

_SPACES = re.compile(r"\s+")
_NOT_LETTER = re.compile(r"[^a-z0-9]")
_NOT_NAME = re.compile(r"[^\w\s'-]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")

# Spelling, transliteration and nickname groups of first names. A name belongs to at most one group.
NAME_GROUPS = [
    "mohammed muhammad mohamed mohammad muhammed mohamad mohammod muhamad mo",
    "ahmed ahmad ahmet ahmmed",
    "mustafa mostafa moustafa mustapha",
    "yusuf yousef youssef yusif yousuf",
    "ibrahim ebrahim ibraheem",
    "hussein hussain husain hossein husayn",
    "hassan hasan",
    "omar umar omer",
    "abdullah abdulla abdallah",
    "fatima fatimah fatma fatemeh",
    "aisha ayesha aysha aishah ayisha",
    "zainab zaynab zeinab",
    "maryam mariam miriam",
    "robert bob rob bobby robbie bert",
    "william bill will billy liam willie",
    "elizabeth liz beth betty lizzie eliza libby",
    "margaret maggie peggy meg",
    "richard dick rick ricky richie",
    "james jim jimmy jamie",
    "john jon johnny jack",
    "michael mike mick mikey micky",
    "katherine catherine kate katie cathy kathryn kathy",
    "alexander alex alexandr aleksander aleksandr sasha",
    "alexandra aleksandra",
    "christopher chris kit",
    "joseph joe joey",
    "thomas tom tommy",
    "daniel dan danny",
    "anthony tony antony",
    "edward ed eddie ted ned",
    "samuel sam sammy",
    "benjamin ben benny",
    "matthew matt",
    "nicholas nick nicky",
    "jonathan jonny",
    "stephen steven steve stevie",
    "andrew andy drew",
    "david dave davey",
    "peter pete",
    "susan sue susie",
    "jennifer jenny jen",
    "rebecca becky becca",
    "victoria vicky tori",
    "charlotte charlie lottie",
    "abigail abi abby",
    "jessica jess jessie",
    "jozef josef",
    "katarzyna kasia",
    "malgorzata gosia",
    "wojciech wojtek",
    "krzysztof krzys",
    "ioan ion",
    "oluwaseun seun",
    "oluwafemi femi",
    "adebayo bayo",
]
_GROUP_OF = {name: frozenset(group.split()) for group in NAME_GROUPS for name in group.split()}


def _text(text):
    return "" if text is None else str(text)


def normalise_name(text):
    """Case-folded, accents stripped, stray punctuation dropped, whitespace collapsed: ' Zoë  O'Brien' -> "zoe o'brien"."""
    folded = unicodedata.normalize("NFKD", _text(text).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("ł", "l").replace("ø", "o").replace("ß", "ss").replace("đ", "d").replace("ı", "i")
    return _SPACES.sub(" ", _NOT_NAME.sub(" ", plain)).strip()


def name_key(text):
    """A name as one run of letters and digits, for comparing: "O'Brien-Smith" -> 'obriensmith'."""
    return _NOT_LETTER.sub("", normalise_name(text))


def name_variants(first):
    """The first name's spelling, transliteration and nickname group (the name alone if it has none)."""
    key = name_key(first)
    return _GROUP_OF.get(key, frozenset({key}) if key else frozenset())


def same_name_group(a, b):
    """True when the two first names are the same or in one variant group."""
    key_a, key_b = name_key(a), name_key(b)
    return bool(key_a) and (key_a == key_b or key_b in name_variants(key_a))


def normalise_registration(text):
    """A UK registration mark in capitals without spaces: 'ab12 cde' -> 'AB12CDE'."""
    return re.sub(r"[^A-Z0-9]", "", _text(text).upper())


def normalise_phone(text, region="GB"):
    """The phone number in E.164 ('+447700900123'), or None when it is not a possible number."""
    raw = _text(text).strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postcode(text):
    """A UK postcode in capitals with one space before the inward code ('tf12ab' -> 'TF1 2AB'), or None."""
    compact = re.sub(r"[^A-Z0-9]", "", _text(text).upper())
    match = _POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def postcode_district(pc):
    """The outward code of a postcode: 'TF1 2AB' -> 'TF1' ('' when there is none)."""
    normal = normalise_postcode(pc)
    return normal.split()[0] if normal else ""


def normalise_handle(text):
    """An online handle in lower case without the leading '@' or spaces."""
    return _text(text).strip().lstrip("@").replace(" ", "").casefold()


def normalise_address(text):
    """An address line case-folded, accents and punctuation stripped, whitespace collapsed."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", normalise_name(text))).strip()
