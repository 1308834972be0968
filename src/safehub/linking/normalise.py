"""Normalisers: the comparable form of every selector before anything is matched.

Pure Python, no Django. Every function takes the raw text a person typed and returns the form that is
stored and compared, so "ab12 cde" and "AB12CDE" are the same vehicle and "07700 900123" and
"+44 7700 900123" the same phone. Each normaliser is idempotent: feeding its output back in gives the
same output.

Rules decided here (tests hold them):

- Names: case-folded, accents removed, apostrophes dropped ("O'Neil" -> "oneil"), every other
  punctuation mark (hyphens, dots, commas) becomes a space ("Smith-Jones" -> "smith jones"); `name_key`
  removes the spaces, so "Smith-Jones", "Smith Jones" and "SmithJones" all agree there. Names in other
  scripts keep their letters (only non-spacing marks such as Arabic vowel signs and hamza, and Gurmukhi vowel
  signs, are dropped; Arabic and Urdu yeh, kaf and heh are one letter each); nothing is transliterated
  letter by letter, so "Мария" and "Maria" do not agree. First names written in Arabic script (Arabic and
  Urdu) or Gurmukhi join their Latin spellings through the variant groups below ("محمد" is "Mohammed");
  surnames across scripts do not agree ("خان" is not "Khan").
- Name variants come from `NAME_GROUPS` below, one group per line. Groups are not merged: "Sam" is in
  both the Samantha and the Samuel group, so it is a variant of each, but Samantha and Samuel are not
  variants of each other.
- Registration marks: upper case, only A-Z, 0-9 and the wildcards `?` (one character) and `*` (any run).
- Phones: E.164 via `phonenumbers`. Ofcom's drama ranges (07700 900xxx) are "possible" but not "valid"
  numbers, so possibility is the test. `?`, `*` and a free-standing `x` each mark one unknown digit
  (in a phone `*` is one digit, unlike a registration mark); such a partial number has no E.164 form,
  only a `phone_digits_pattern`.
- Postcodes: the BS 7666 shapes, "OUTWARD INWARD" with one space.
- Handles: lower case, no `@`, no whitespace; profile URLs of the common platforms give the handle.
- Addresses: folded like names, abbreviations expanded ("Apt", "Apartment" -> "flat"), the (last)
  postcode moved to the end in its upper-case form. "St" is "saint"
  when it starts a part of the address or follows a house number ("12 St Mary's Rd" -> "12 saint marys
  road"), otherwise "street" ("High St" -> "high street").
"""

import re
import unicodedata
from urllib.parse import parse_qs, unquote

import phonenumbers

# ---------------------------------------------------------------------------------------------- names

_APOSTROPHES = dict.fromkeys(map(ord, "'’‘ʼʻ`´′"), None)
_LETTER_MAP = str.maketrans(
    {"ß": "ss", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
     "ħ": "h", "ŀ": "l", "ŧ": "t", "ŋ": "ng", "ƒ": "f",
     # Arabic and Urdu write the same names with different yeh, kaf and heh letters: one form each.
     "ي": "ی", "ى": "ی", "ك": "ک", "ە": "ه", "ة": "ه"}
)


def _strip_marks(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")


_ASCII_NOT_WORD = re.compile(r"[^A-Za-z0-9]")


def _fold(text):
    """Case-folded, compatibility-decomposed, without accents or apostrophes."""
    if text.isascii():  # decomposing, the letter map and accents change nothing in ASCII: the same, faster
        return text.translate(_APOSTROPHES).casefold()
    return _fold_unicode(text)


def _fold_unicode(text):
    text = _strip_marks(text.translate(_APOSTROPHES)).casefold().translate(_LETTER_MAP)
    return _strip_marks(text).casefold().translate(_APOSTROPHES)


def _is_word_char(c):
    category = unicodedata.category(c)
    return category[0] in "LN" or category == "Mc"


def _words(folded):
    if folded.isascii():  # in ASCII the word characters are exactly the letters and digits
        return _ASCII_NOT_WORD.sub(" ", folded).split()
    return _words_unicode(folded)


def _words_unicode(folded):
    return "".join(c if _is_word_char(c) else " " for c in folded).split()


def normalise_name(text: str) -> str:
    """The comparable form of a name.

    >>> normalise_name("  José  O'Neil-SMITH ")
    'jose oneil smith'
    >>> normalise_name("Łukasz Øster Straße")
    'lukasz oster strasse'
    >>> normalise_name("   ")
    ''
    """
    return " ".join(_words(_fold(text or "")))


def name_key(text: str) -> str:
    """The normalised name without spaces, for blocking and comparison.

    >>> name_key("Mc Donald") == name_key("McDonald") == "mcdonald"
    True
    """
    return normalise_name(text).replace(" ", "")


# One group per line: spellings, transliterations and nicknames of one first name. A name may sit in
# several groups (Sam: Samantha, Samuel). Compared by name_key, so "Abdul Rahman" = "Abdulrahman".
NAME_GROUPS_TEXT = """
# Arabic names, as written in South Asian, Arab, Somali, West African and Turkish communities
mohammed, muhammad, mohamed, mohammad, muhammed, mohamad, mohamud, mohammod, muhamed, mohd, mo, محمد
ahmed, ahmad, ahmet, ahmid, احمد
yusuf, yousef, yusef, youssef, yousuf, yousif, يوسف
ibrahim, ebrahim, ibraheem, ibrahima, ابراهيم
abdullah, abdallah, abdalla, abdulla, عبدالله
abdul rahman, abdulrahman, abdirahman, abdurahman, abdurrahman, abdel rahman, عبدالرحمن
hussein, hussain, husain, husein, hussen, hossain, حسين
hassan, hasan, hasen, حسن
omar, umar, omer, عمر
osman, usman, uthman, othman, ousmane, عثمان
ali, aly, علي
khalid, khaled
mustafa, mustapha, mostafa
fatima, fatimah, fatma, faatima, fatuma, fadumo, faduma, fatoumata, fatumata
aisha, ayesha, aysha, aishah, ayshah, aicha
khadija, khadijah, khadeeja, kadija, kadiatou
maryam, mariam, meryem, maryan
zainab, zaynab, zeinab
hamza, hamzah
bilal, bilaal
ismail, ismael, ismaeel, esmail
suleiman, sulaiman, sulayman, suleyman, soleiman
yasmin, yasmine, yasmeen, yazmin
noor, nur, nour
amir, ameer
karim, kareem
rashid, rasheed, rachid
saeed, said, sayed, saied
tariq, tarik, tareq
abubakar, abubakr, abu bakr, aboubacar, boubacar
# Somali spellings (doubled vowels, x for the h sound)
ayan, ayaan
ubah, ubax
ikran, ikraan
guled, guuled
# South Asian
mohinder, mohindar, mahinder, mahindar
rajinder, rajindar, rajender
sandeep, sundeep, sandip
pradeep, pardeep, pradip, pardip
kuldeep, kuldip, ਕੁਲਦੀਪ
mandeep, mandip, ਮਨਦੀਪ
harpreet, harprit, ਹਰਪ੍ਰੀਤ
jaswinder, jasvinder, jasvindar, ਜਸਵਿੰਦਰ
sukhvinder, sukhwinder, sukhvindar
amarjit, amarjeet
deepak, dipak
sanjay, sanjai, sunjay
parveen, parvin, perveen
imran, imraan
irfan, irfaan
nasreen, nasrin
farhan, farhaan
zubair, zubayr, zubeir, زبير
# Eastern European: Polish
katarzyna, kasia
malgorzata, gosia, malgosia
aleksandra, ola
agnieszka, aga
magdalena, magda
tomasz, tomek
piotr, piotrek
jakub, kuba
grzegorz, grzesiek
zbigniew, zbyszek
stanislaw, staszek, stasiek
jozef, jozek
anna, ania, anka
# Eastern European: Russian, Ukrainian
aleksandr, alexander, aleksander, oleksandr, aleksandar, alexandru, sasha, sacha, alex
mikhail, michael, mykhailo, michal, mihai, mihail, michail
dmitri, dmitry, dmytro, dimitri, dima
sergei, sergey, serhiy, serhii, serghei
yevgeny, evgeny, evgeni, yevgeniy, yevhen, zhenya
nikolai, nikolay, mykola, kolya
vladimir, volodymyr, volodya, vova
natalia, natalya, nataliya, natasha
yekaterina, ekaterina, kateryna, katya
olga, olha
yulia, yuliya, iuliia
andrei, andrey, andriy, andrii
alexei, aleksei, alexey, oleksiy, oleksii, alyosha
tatiana, tatyana, tetiana, tanya
# Eastern European: Romanian
ion, ionut, ionel
constantin, costel, costica, costi
cristian, cristi
nicolae, nicu, nicusor
dumitru, mitica
# West African: Yoruba, Igbo, Hausa, Fula, Mandinka
oluwaseun, seun
oluwatobi, tobi
oluwadamilola, damilola, dami
oluwafemi, femi
oluwatosin, tosin
oluwakemi, kemi
oluwaseyi, seyi
olufunmilayo, funmilayo, funmi
babatunde, tunde
adebayo, bayo
adewale, wale
olabisi, bisi
chukwuemeka, emeka
chiamaka, amaka
chinedu, nedu
mamadou, mamadu
aminata, aminatou
# Irish, Welsh, Scottish
siobhan, shivaun, shevaun, shivon
niamh, neve, neave, nieve
sinead, shinead
aoife, eefa
caoimhe, keeva
saoirse, seersha
sean, shaun, shawn
eoin, eoghan, owen
padraig, padraic, patrick, paddy, pat
ciaran, kieran, kieron, ciaron
cathal, cahal
dermot, diarmuid, diarmaid
ruairi, rory, ruaidhri, ruari
seamus, seamas, shamus
dafydd, dai, dewi
rhys, reece, rees, reese
ieuan, iwan, ifan
iain, ian, ean
mhairi, vairi
kirsty, kirstie, kirsteen
lachlan, lachie
alasdair, alastair, alistair, allister, alisdair, ally
callum, calum
# Chinese given names: pinyin, Wade-Giles and Cantonese romanisations of the same characters
xiaoming, hsiao ming, siu ming
zhiwei, chih wei
jianguo, chien kuo
jie, chieh
jing, ching
xin, hsin
hui, hwei
# English nicknames and spellings
robert, rob, robbie, bob, bobby, bert
william, will, bill, billy, liam, willie
elizabeth, elisabeth, liz, lizzie, beth, betty, eliza, libby, bess, betsy
margaret, maggie, meg, peggy, marge
richard, rich, richie, rick, ricky, dick
james, jim, jimmy, jamie
katherine, catherine, kathryn, kate, katie, katy, cathy, kathy, cath, kat, kitty
alexander, alex, alec, sandy, xander
alexandra, alex, lexi, lexie, alexa
daniel, dan, danny
danielle, daniella, dani
thomas, tom, tommy
christopher, chris, kit
christine, christina, chris, chrissy, tina
anthony, antony, tony, ant
jennifer, jen, jenny
rebecca, becky, becca, bex
samantha, sam
samuel, sam, sammy
joseph, joe, joey
josephine, jo, josie
joanne, joanna, jo
john, johnny, jack
michael, mike, mick, mikey, mickey, micky
jonathan, johnathan, jon, jonny
nicholas, nicolas, nikolas, nick, nicky
nicola, nikki, nicky
matthew, matt, matty
stephen, steven, steve, stevie
edward, ed, eddie, eddy, ted, teddy, ned
charles, charlie, chaz, chas, chuck
charlotte, charlie, lottie
victoria, vicky, vicki, vikki, tori
susan, sue, suzy, susie, suzie
patricia, pat, trish, tricia, patty
david, dave, davey, davie
benjamin, ben, benny, benji
jacob, jakob, jake
joshua, josh
andrew, andy, drew
kenneth, ken, kenny
lawrence, laurence, larry, laurie
leonard, len, lenny
peter, pete
philip, phillip, phil, pip
raymond, ray
ronald, ron, ronnie
timothy, tim, timmy
gerald, gerry, ged
terence, terrence, terry
abigail, abi, abby, abbie
amanda, mandy
deborah, debra, debbie, deb, debs
eleanor, elinor, ellie, nell, nellie
jacqueline, jackie, jacqui
jessica, jess, jessie
kimberley, kimberly, kim
natalie, nat
olivia, liv, livvy
rachel, rachael, rach
sarah, sara, sally
sophie, sophia, soph
stephanie, steph, stef
teresa, theresa, tess, tessa, terri
henry, harry, hal
harold, harry
frederick, fred, freddie, freddy
alfred, alf, alfie, fred
archibald, archie
gregory, greg
jeffrey, geoffrey, jeff, geoff
nathaniel, nathan, nate
oliver, ollie, olly
zachary, zach, zack, zak
isabella, isabel, isobel, isabelle, izzy, issy, bella
kayleigh, kaylee, kayley, kailey, kaley
lee, leigh
jayden, jaden, jaiden, jaydon
aiden, aidan, ayden, aden
connor, conor, conner
chantelle, shantelle, chantel
courtney, kourtney
caitlin, caitlyn, kaitlyn, kaitlin, katelyn
zoe, zoey
"""


def _parse_groups(text):
    groups = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            groups.append(frozenset(normalise_name(name) for name in line.split(",")))
    return tuple(groups)


NAME_GROUPS = _parse_groups(NAME_GROUPS_TEXT)
_GROUPS_BY_KEY = {}  # name_key -> the groups holding that name, each as (names, their keys)
for _group in NAME_GROUPS:
    for _name in _group:
        _GROUPS_BY_KEY.setdefault(_name.replace(" ", ""), []).append(
            (_group, frozenset(n.replace(" ", "") for n in _group))
        )


def name_variants(first_name: str) -> frozenset[str]:
    """The normalised first name and every name in a group with it (whole name, not word by word).

    >>> sorted(name_variants("BOBBY"))
    ['bert', 'bob', 'bobby', 'rob', 'robbie', 'robert']
    >>> name_variants("Zebedee")
    frozenset({'zebedee'})
    >>> name_variants("  ")
    frozenset()
    """
    name = normalise_name(first_name)
    if not name:
        return frozenset()
    return frozenset({name}.union(*(names for names, _ in _GROUPS_BY_KEY.get(name.replace(" ", ""), []))))


def same_name_group(a: str, b: str) -> bool:
    """Whether two first names are the same name or share a variant group.

    >>> same_name_group("Mohamed", "MUHAMMAD"), same_name_group("Sam", "Samuel")
    (True, True)
    >>> same_name_group("Samantha", "Samuel")
    False
    """
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b:
        return False
    return key_a == key_b or any(key_b in keys for _, keys in _GROUPS_BY_KEY.get(key_a, []))


# ------------------------------------------------------------------------------ registration marks


def normalise_registration(text: str) -> str:
    """A UK registration mark in upper case without spaces or punctuation; `?` and `*` are kept.

    >>> normalise_registration("ab12 cde"), normalise_registration("ab-12 c??")
    ('AB12CDE', 'AB12C??')
    >>> normalise_registration("X**9")
    'X*9'
    """
    mark = re.sub(r"[^A-Z0-9?*]", "", (text or "").upper())
    return re.sub(r"\*+", "*", mark)


def is_partial_registration(text: str) -> bool:
    """Whether a mark has wildcards. A short mark without wildcards is taken as a whole mark.

    >>> is_partial_registration("AB12 C??"), is_partial_registration("AB12")
    (True, False)
    """
    return any(c in "?*" for c in normalise_registration(text))


def registration_matches(pattern: str, full: str) -> bool:
    """Whether `pattern` (`?` one character, `*` any run) fits the whole mark `full`.

    A mark without wildcards matches only itself; a `full` with wildcards matches nothing.

    >>> registration_matches("AB12 C??", "ab12cde"), registration_matches("AB12 C??", "AB12DDE")
    (True, False)
    >>> registration_matches("*CDE", "AB12CDE"), registration_matches("AB12CDE", "AB12CDF")
    (True, False)
    """
    pattern, full = normalise_registration(pattern), normalise_registration(full)
    if not pattern or not full or is_partial_registration(full):
        return False
    regex = "".join({"?": ".", "*": ".*"}.get(c, c) for c in pattern)
    return re.fullmatch(regex, full) is not None


def registration_like_pattern(pattern: str) -> str:
    """A SQL LIKE pattern for a mark: `?` -> `_`, `*` -> `%` (the mark has no other LIKE specials).

    >>> registration_like_pattern("ab12 c??"), registration_like_pattern("*cde")
    ('AB12C__', '%CDE')
    """
    return normalise_registration(pattern).replace("?", "_").replace("*", "%")


# ------------------------------------------------------------------------------------------- phones

# `?` or `*` anywhere, or a run of x that is not part of a word ("07700 900 1xx", not "text").
_PHONE_WILDCARD = re.compile(r"[?*]|(?<![^\W\d_xX])[xX]+(?![^\W\d_xX])")


def _is_partial_phone(text):
    return _PHONE_WILDCARD.search(text) is not None


def normalise_phone(text: str, region: str = "GB") -> str | None:
    """A phone number in E.164, or None when it is partial, unparseable or not a possible number.

    National numbers are read as `region` numbers. A label before the number is ignored ("Mob: 07700
    900123"), but any letter after the first digit (a vanity number, a letter O typed for a zero, an
    extension, a trailing note) gives None rather than being turned into digits.

    >>> {normalise_phone(t) for t in ["(07700) 900-123", "447700900123", "0044 7700 900123"]}
    {'+447700900123'}
    >>> normalise_phone("07700 900 1??") is None, normalise_phone("07700 9001") is None
    (True, True)
    """
    text = (text or "").strip()
    if _is_partial_phone(text) or re.search(r"\d.*[^\W\d_]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if re.fullmatch(r"44\d{10}", digits) and not text.startswith("+"):
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    if number.italian_leading_zero and _trunk_prefix(number.country_code) == "0":
        return None  # a trunk 0 phonenumbers kept because the rest was the wrong length
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_problem(text: str, region: str = "GB") -> str:
    """Why `normalise_phone` gives None for this text, in a few words (for reports on bulk files).

    >>> phone_problem("07700 9001"), phone_problem("0770O 900123"), phone_problem("07700 900 1??")
    ('wrong length (9 digits)', 'letters in the number', 'unknown digits')
    >>> phone_problem("12"), phone_problem("077009001234567")
    ('too short (2 digits)', 'too long (15 digits)')
    """
    text = (text or "").strip()
    if not re.search(r"\d", text):
        return "no digits"
    if _is_partial_phone(text):
        return "unknown digits"
    if re.search(r"\d.*[^\W\d_]", text):
        return "letters in the number"
    digits = len(re.sub(r"\D", "", text))
    try:
        reason = phonenumbers.is_possible_number_with_reason(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return "not a phone number"
    size = {phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long"}.get(reason, "wrong length")
    return f"{size} ({digits} digits)"


def _trunk_prefix(country_code):
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(
        phonenumbers.region_code_for_country_code(country_code)
    )
    return metadata.national_prefix if metadata else None


def phone_digits_pattern(text: str) -> str | None:
    """The UK national significant number as a digit pattern, `_` for each unknown digit.

    `?`, `*` and `x` each stand for one digit. Written as 0..., +44..., 0044... or 44... (12 characters).
    None when the shape is not a UK number of 9 or 10 significant digits, or no digit is known. Match it
    against stored E.164 numbers with LIKE '+44' || pattern.

    >>> phone_digits_pattern("07700 900 1??"), phone_digits_pattern("+44 7700 900xxx")
    ('77009001__', '7700900___')
    >>> phone_digits_pattern("07700 900123"), phone_digits_pattern("07700 9??") is None
    ('7700900123', True)
    """
    compact = re.sub(r"[\s\-().]", "", text or "")
    if not re.fullmatch(r"\+?[0-9?*xX]+", compact):
        return None
    digits = re.sub(r"[?*xX]", "_", compact)
    for prefix in ("+44", "0044", "0"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
            break
    else:
        if digits.startswith("44") and len(digits) == 12:
            digits = digits[2:]
    if digits.startswith(("+", "0")) or len(digits) not in (9, 10) or not re.search(r"\d", digits):
        return None
    return digits


# ---------------------------------------------------------------------------------------- postcodes

_OUTWARD = r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?|GIR)"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"({_OUTWARD})({_INWARD})")
_POSTCODE_IN_TEXT = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})[\s,;]*({_INWARD})(?![A-Z0-9])", re.IGNORECASE)


def normalise_postcode(text: str) -> str | None:
    """A UK postcode in upper case with one space before the inward code; None if not postcode-shaped.

    >>> normalise_postcode("tf1 2ab"), normalise_postcode("TF12AB"), normalise_postcode("sw1a1aa")
    ('TF1 2AB', 'TF1 2AB', 'SW1A 1AA')
    >>> normalise_postcode("TF1") is None, normalise_postcode("QQ1 2AB") is None
    (True, True)
    """
    match = _POSTCODE.fullmatch(re.sub(r"[^A-Za-z0-9]", "", text or "").upper())
    return f"{match[1]} {match[2]}" if match else None


def postcode_district(pc: str) -> str:
    """The outward code of a postcode (or of a bare outward code), for blocking; "" if neither.

    >>> postcode_district("tf1 2ab"), postcode_district("TF1"), postcode_district("nonsense")
    ('TF1', 'TF1', '')
    """
    postcode = normalise_postcode(pc)
    if postcode:
        return postcode.split()[0]
    outward = re.sub(r"[^A-Za-z0-9]", "", pc or "").upper()
    return outward if re.fullmatch(_OUTWARD, outward) else ""


# ------------------------------------------------------------------------------------------ handles

_PLATFORMS = {
    "instagram.com": "instagram", "instagr.am": "instagram", "tiktok.com": "tiktok",
    "snapchat.com": "snapchat", "x.com": "x", "twitter.com": "x", "facebook.com": "facebook",
    "fb.com": "facebook",
}
_NOT_PROFILES = {
    "instagram": {"p", "reel", "reels", "tv", "explore", "accounts", "direct"},
    "x": {"i", "intent", "home", "search", "hashtag", "share", "explore", "messages"},
    "facebook": {"groups", "events", "watch", "share", "story.php", "permalink.php", "photo.php", "pages"},
}


def _profile_segment(platform, segments, query):
    first = segments[0].casefold() if segments else ""
    if platform == "tiktok" or (platform == "snapchat" and first != "add"):
        return segments[0][1:] if first.startswith("@") else None
    if platform == "snapchat":
        return segments[1] if len(segments) > 1 else None
    if platform == "instagram" and first == "stories":
        return segments[1] if len(segments) > 1 else None
    if platform == "facebook" and first == "profile.php":
        return (parse_qs(query).get("id") or [None])[0]
    if platform == "facebook" and first == "people":
        return segments[-1] if len(segments) > 2 else None
    return segments[0] if segments and first not in _NOT_PROFILES.get(platform, ()) else None


def _handle_from_url(text):
    """The handle in a profile URL; the URL without scheme and www. if it is not one; None if not a URL."""
    scheme = re.match(r"https?://", text, re.IGNORECASE)
    body = text[scheme.end():] if scheme else text
    host, _, rest = body.partition("/")
    platform = _PLATFORMS.get(re.sub(r"^(?:www\.|m\.|mobile\.)+", "", host.casefold()))
    if platform is None and not scheme:
        return None
    path, _, query = rest.partition("#")[0].partition("?")
    segments = [unquote(s) for s in path.split("/") if s]
    handle = _profile_segment(platform, segments, query) if platform and segments else None
    if handle and "/" not in handle and handle.lstrip("@"):
        return handle
    return re.sub(r"^(?:www\.)+", "", body, flags=re.IGNORECASE).rstrip("/")


def normalise_handle(text: str) -> str:
    """An online handle: lower case, no whitespace, no leading `@`; a profile URL gives its handle.

    >>> normalise_handle(" @Some.User "), normalise_handle("https://www.instagram.com/Some.User/")
    ('some.user', 'some.user')
    >>> normalise_handle("tiktok.com/@Some_User/video/123")
    'some_user'
    >>> normalise_handle("https://snapchat.com/add/SomeUser")
    'someuser'
    """
    handle = "".join((text or "").split()).lstrip("@")
    from_url = _handle_from_url(handle)
    if from_url is not None:
        handle = "".join(from_url.split())
    return handle.lstrip("@").casefold()


# ---------------------------------------------------------------------------------------- addresses

_ADDRESS_WORDS = {
    "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane", "cl": "close", "cres": "crescent",
    "cresc": "crescent", "dr": "drive", "ct": "court", "crt": "court", "pl": "place", "sq": "square",
    "gdns": "gardens", "gro": "grove", "ter": "terrace", "terr": "terrace", "tce": "terrace", "pk": "park",
    "hse": "house", "est": "estate", "bldg": "building", "apartment": "flat", "apt": "flat", "flt": "flat",
}


def split_postcode(address_text: str) -> tuple[str, str | None]:
    """The address without its (last) postcode, and that postcode normalised (None if there is none).

    >>> split_postcode("12 High St, Telford, tf1 2ab")
    ('12 High St, Telford', 'TF1 2AB')
    >>> split_postcode("12 High St")
    ('12 High St', None)
    """
    text = address_text or ""
    matches = list(_POSTCODE_IN_TEXT.finditer(text))
    if not matches:
        return text.strip(), None
    last = matches[-1]
    rest = (text[: last.start()] + " " + text[last.end():]).strip(" ,;\n\t")
    return rest, normalise_postcode(last[0])


def _address_part(words):
    out = []
    for i, word in enumerate(words):
        if word == "st":
            word = "saint" if i == 0 or re.fullmatch(r"\d+[a-z]?", words[i - 1]) else "street"
        out.append(_ADDRESS_WORDS.get(word, word))
    return out


def normalise_address(text: str) -> str:
    """A comparable address: folded like a name, abbreviations expanded, postcode last in upper case.

    >>> normalise_address("Flat 2, 12 St. Mary's Rd, TELFORD tf12ab")
    'flat 2 12 saint marys road telford TF1 2AB'
    >>> normalise_address("Apt 3 High St") == normalise_address("flat 3, high street")
    True
    """
    folded = "".join(c if _is_word_char(c) or c in ",;\n" else " " for c in _fold(text or ""))
    rest, postcode = split_postcode(folded)
    words = [w for part in re.split(r"[,;\n]", rest) for w in _address_part(part.split())]
    return " ".join(words + ([postcode] if postcode else []))
