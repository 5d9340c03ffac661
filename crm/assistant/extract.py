"""Reading a free message for its parts, where the sentence templates miss: e-mail addresses,
phone numbers (in the user's region), people's names (the user's own contacts and members
first, else capitalised spans with the filler "my colleague", "a guy named" taken off),
organizations ("at X", "from X", the user's own first), job titles, industries, priorities,
statuses, due dates and durations. Nothing is guessed: a part is read only where the message
says it."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from importlib import resources
from pathlib import Path

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Words that are capitalised for other reasons than being a name (sentence starts, days, "I").
COMMON = set(
    """i i'm i've i'll just met had have add added create new please today tomorrow yesterday
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december he she they his her their him them
    the a an my our we also and then so but it its this that there these those what who when
    where how can could would should will shall let lets let's ok okay yes no hi hello quick
    note fyi btw spoke talked call called meeting lunch coffee dinner remember save put mark
    set make log contact task tasks project org organization company client customer his her
    after before during next last this week month year note notes reminder follow""".split()
)
PARTICLES = {"de", "da", "di", "del", "della", "van", "von", "der", "den", "la", "le", "du", "dos"}
NAME_WORD = r"(?:[A-Z][\w'\u2019-]*|(?:de|da|di|del|della|van|von|der|den|la|le|du|dos))"
SPAN = re.compile(rf"\b[A-Z][\w'\u2019-]*(?:\s+{NAME_WORD})*")
ORG_WORD = r"(?:[A-Z]|\d+[A-Za-z])(?:[\w&'\u2019+-]|\.(?=\w))*"
ORG_SPAN = rf"{ORG_WORD}(?:\s+(?:&\s+|and\s+|of\s+|de\s+|di\s+)?{ORG_WORD})*"
ORG_AFTER = re.compile(
    r"\b(?P<word>at|from|with|for|of|joined|joining|moved to|works for|over at)\s+"
    rf"(?P<org>{ORG_SPAN})"
)
SUFFIXES = re.compile(
    r"\b(inc|ltd|llc|gmbh|ag|spa|s\.p\.a|srl|s\.r\.l|sa|sas|bv|nv|plc|corp|co|group|labs|"
    r"systems|solutions|partners|industries|holdings|technologies|tech|studio|bank|capital|"
    r"analytics|freight|seguros|mills|works|media|energy|energía|biotech|vini|"
    r"consulting|ventures|software|logistics|foods|motors|italia|international)\.?$",
    re.I,
)
FILLER = re.compile(
    r"^(?:(?:(?:my|his|her|their|our|your|a|an|the|one|some)\s+)?(?:new\s+|old\s+|former\s+)?"
    r"(?:colleague|coworker|co-worker|boss|manager|friend|partner|assistant|contact|guy|man|"
    r"woman|lady|girl|person|fellow|cousin|brother|sister|wife|husband|neighbour|neighbor|"
    r"client|customer|counterpart|cofounder|co-founder|intern|mentor|buddy|dude|someone|"
    r"somebody|gentleman|engineer|rep)s?\s+)+(?:(?:named|called|by the name of)\s+)?",
    re.I,
)
TITLE_WORDS = (
    r"ceo|cto|cfo|coo|cmo|cio|ciso|cpo|vp|svp|evp|vice president|head|director|manager|lead|"
    r"engineer|developer|designer|founder|co-founder|cofounder|owner|partner|buyer|consultant|"
    r"analyst|officer|president|chair|chairman|chairwoman|architect|specialist|coordinator|"
    r"administrator|accountant|recruiter|controller|supervisor|chief|principal|intern|editor|"
    r"producer|counsel|lawyer|attorney|advisor|adviser|representative|rep|executive|secretary|"
    r"treasurer|scientist|researcher|professor|doctor|teacher|strategist|planner|agent|"
    r"photographer|journalist|reporter|writer|author|nurse|pharmacist|dentist|physician|"
    r"surgeon|technician|coach|trainer|instructor|chef|pilot|broker|banker|investor|"
    r"entrepreneur|freelancer|auditor|economist|programmer|marketer|salesperson"
)
TITLE = re.compile(rf"\b(?:{TITLE_WORDS})\b", re.I)
# A clause about a move, not a title ("she's moved to X", "he's joined X", "they've left").
MOVED = re.compile(r"(?:moved|joined|left|gone|switched|started|been)\b", re.I)
JOB_PATTERNS = [
    # "he's the procurement lead at X", "she is now head of sales", "works as a buyer for X"
    re.compile(
        r"\b(?:he|she|they|who)(?:'s|\u2019s|'re|\u2019re| is| are| was)\s+(?:now\s+|also\s+)?"
        r"(?:the\s+|a\s+|an\s+|our\s+|their\s+)?(?P<job>[\w /&-]+?)"
        r"(?=\s+(?:at|for|in|with|over at)\s|\s+of\s+(?-i:[A-Z])|\s*[,.;!)]|\s+and\s|\s*$)",
        re.I,
    ),
    re.compile(
        r"\b(?:is|as)\s+(?:now\s+)?(?:(?:the|a|an|our|their)\s+)?(?P<job>[\w /&-]+?)"
        r"(?=\s+(?:at|for|of|with)\s+[A-Z])"
    ),
    re.compile(r"\bas\s+(?:the\s+|a\s+|an\s+)?(?P<job>[\w /&-]+?)(?=[,.;!]|\s+and\s|$)", re.I),
    re.compile(
        r"\bworks?\s+as\s+(?:the\s+|a\s+|an\s+)?(?P<job>[\w /&-]+?)(?=\s+(?:at|for|in)\s|[,.;!]|$)",
        re.I,
    ),
    re.compile(
        r"\b(?:title|job title|role|position)(?:\s+is|:)\s*(?P<job>[\w /&-]+?)"
        r"(?=[,.;!]|\s+and\s|$)",
        re.I,
    ),
    # "Marco Rossi, procurement lead at X", "the CTO of X", "as head of sales at X"
    re.compile(
        r"(?:,\s*|\(\s*|[\u2014\u2013-]\s*|\bthe\s+|\bas\s+(?:the\s+|a\s+|an\s+)?|\bour\s+|"
        r"\btheir\s+)(?P<job>[\w /&-]+?)"
        r"\s+(?:at|of|for)\s+[A-Z]"
    ),
]
INDUSTRIES = (
    "manufacturing|logistics|retail|healthcare|health care|finance|financial services|banking|"
    "insurance|software|saas|construction|education|energy|renewable energy|renewables|"
    "hospitality|agriculture|automotive|pharma|pharmaceuticals|biotech|legal|consulting|"
    "real estate|media|telecom|telecommunications|fashion|food|food and beverage|transport|"
    "transportation|shipping|aerospace|defence|defense|gaming|e-commerce|ecommerce|fintech|"
    "marketing|advertising|publishing|entertainment|tourism|travel|mining|chemicals|textiles|"
    "furniture|electronics|semiconductors|cybersecurity|security|nonprofit|non-profit|"
    "government|utilities|engineering|architecture|design|wine|beverages|cosmetics|sports|"
    "it services|cloud|hardware|robotics|packaging|steel|oil and gas|medical devices"
)
INDUSTRY = [
    re.compile(
        rf"\b(?:in|into)\s+(?:the\s+)?(?P<industry>{INDUSTRIES})"
        r"(?:\s+(?:industry|business|sector|space|market))?\b",
        re.I,
    ),
    re.compile(  # "a logistics company", or after a comma: "Initech, software company"
        rf"(?:\b(?:a|an)\s+|,\s*)(?P<industry>{INDUSTRIES})\s+(?:company|firm|business|startup|"
        r"start-up|group|outfit|player|client|customer|supplier|vendor)\b",
        re.I,
    ),
    re.compile(rf"\bindustry(?:\s+is|:)?\s+(?P<industry>{INDUSTRIES})\b", re.I),
]
PRIORITY = re.compile(
    r"\b(?:(?P<level>low|medium|normal|high|top|urgent)[- ]priority|priority(?:\s+is|:)?\s+"
    r"(?P<level2>low|medium|high|urgent)|(?P<urgent>urgent))\b",
    re.I,
)
PRIORITY_SLUGS = {"normal": "medium", "top": "urgent"}
TASK_STATUS = re.compile(
    r"\b(?P<status>already done|done|finished|blocked|in progress|started|on hold)\b", re.I
)
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri"
DATE_PHRASE = (
    rf"(?:end of (?:the )?(?:month|week|year|(?:{MONTHS})(?: \d{{4}})?)|"
    rf"(?:next|this) (?:week|month|{DAYS})|"
    rf"(?:on )?(?:{DAYS})(?: next week)?|today|tonight|tomorrow|in (?:a|one|two|three|four|"
    rf"five|six|\d+) (?:days?|weeks?|months?)|\d{{4}}-\d\d-\d\d|\d{{1,2}}(?:st|nd|rd|th)? "
    rf"(?:of )?(?:{MONTHS})(?:,? \d{{4}})?|(?:{MONTHS}) \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|"
    r"\d{1,2}/\d{1,2}(?:/\d{2,4})?)"
)
DUE = re.compile(
    rf"\b(?:due|by|before|until|deadline(?: is)?:?|for)\s+(?P<when>{DATE_PHRASE})\b", re.I
)
ANY_DATE = re.compile(rf"\b(?P<when>{DATE_PHRASE})\b", re.I)
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "half an": 0.5, "half": 0.5}
DURATION = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|an?|one|two|three|half an)[- ]?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h)\b(?:[- ]long)?",
    re.I,
)


@dataclass
class Parts:
    """What a message says, part by part."""

    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    job: str | None = None
    industry: str | None = None
    priority: str | None = None
    status: str | None = None
    due: str | None = None  # the words that say when ("Friday", "end of March")
    duration: timedelta | None = None


@cache
def _zone_countries() -> dict[str, str]:
    try:
        table = (resources.files("tzdata.zoneinfo") / "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        path = Path("/usr/share/zoneinfo/zone.tab")
        table = path.read_text() if path.exists() else ""
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}


def region_of(time_zone: str) -> str | None:
    """The country of a time zone ("Europe/Rome": "IT"), for numbers written without +."""
    return _zone_countries().get(time_zone)


def phones_in(text: str, region: str | None) -> list[tuple[str, str]]:
    """The phone numbers in a text, as written and in E.164."""
    found = []
    for match in phonenumbers.PhoneNumberMatcher(EMAIL.sub(" ", text), region):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append((match.raw_string, e164))
    return found


def clean_name(text: str) -> str | None:
    """A person's name without the filler around it ("his colleague Giulia Bianchi": "Giulia
    Bianchi"), or None when what is left is not a name (lowercase words, a clause)."""
    name = FILLER.sub("", text.strip(" ,.;:!?\"'")).strip()
    words = name.split()
    if not words or len(words) > 5:
        return None
    for word in words:
        if not (word[:1].isupper() or word[:1].isdigit() or word.lower() in PARTICLES):
            return None
    return name


def clean_title(text: str) -> str | None:
    """A record's title as said (no trailing clause after a dash or a semicolon)."""
    title = re.split(r"\s+[\u2014\u2013-]\s+|;|\s*\(|,\s*(?:they|it|he|she|due|by)\b", text)[0]
    title = title.strip(" ,.;:!?\"'")
    return title if title and len(title.split()) <= 8 else None


def _known(text: str, names: list[str]) -> list[str]:
    found = []
    for name in sorted(names, key=len, reverse=True):
        if re.search(rf"(?<![\w@.]){re.escape(name)}(?![\w@])", text, re.I):
            if not any(name.lower() in f.lower() for f in found):
                found.append(name)
    return found


def _trim(span: str) -> str:
    words = span.split()
    while words and words[0].lower().strip("'\u2019") in COMMON:
        words.pop(0)
    while words and (words[-1].lower() in COMMON or words[-1].lower() in PARTICLES):
        words.pop()
    return " ".join(words)


# "Tom left Globex, he's now at Initech": the organization someone left is not theirs.
LEFT = r"\b(?i:left|leaving|quit|quitting|no longer at|no longer with|used to work at|ex-)\s*"


def organizations_in(text: str, own: list[str], people: list[str]) -> list[str]:
    """Organizations a message names: the user's own first, then "at X" / "from X" (and
    "with X" / "for X" when X reads as a company, not a person); not one someone left."""
    left = {m[1].lower() for m in re.finditer(rf"{LEFT}({ORG_WORD}(?:\s+{ORG_WORD})*)", text)}
    return [o for o in _organizations_in(text, own, people) if o.lower() not in left]


def _organizations_in(text: str, own: list[str], people: list[str]) -> list[str]:
    found = _known(text, own)
    for match in ORG_AFTER.finditer(text):
        org = _trim(match["org"]) if match["org"].split()[0].lower() in COMMON else match["org"]
        org = org.strip(" .,'\u2019")
        org = re.sub(r"(?:'s|\u2019s)$", "", org)
        if not org or org.lower() in COMMON or TITLE.fullmatch(org):
            continue
        if any(org.lower() in p.lower() or p.lower() in org.lower() for p in people):
            continue
        if re.fullmatch(rf"(?:{DATE_PHRASE})", org, re.I) or re.match(
            rf"(?:{DAYS}|{MONTHS})\b", org, re.I
        ):
            continue
        if match["word"].lower() in ("with", "for") and not SUFFIXES.search(org):
            continue  # "coffee with Marco Rossi" is a person
        if match["word"] == "of" and AREA_OF_TITLE.search(text[: match.end("word")]):
            if re.match(r"\s+(?:at|for|with|in)\s+[A-Z]", text[match.end() :]):
                continue  # "VP of Engineering at Acme": a title's area, then the organization
        if not any(org.lower() == f.lower() for f in found):
            found.append(org)
    return found


def _first_names(text: str, names: list[str], found: list[str]) -> list[str]:
    """The people of `names` a message calls by their first name alone ("Tom is now head of
    sales": Tom Baker), when no one else of `names` has it and no surname follows it."""
    by_first: dict[str, list[str]] = {}
    for name in names:
        if len(words := name.split()) > 1:
            by_first.setdefault(words[0], []).append(name)
    return [
        people[0]
        for first, people in by_first.items()
        if len(people) == 1
        and people[0] not in found
        and re.search(rf"(?<![\w@.]){re.escape(first)}(?![\w@])(?!\s+{NAME_WORD}\b)", text)
    ]


def people_in(text: str, contacts: list[str], members: list[str], own_orgs: list[str]) -> list[str]:
    """People a message names: the user's contacts and members (by their whole name, or their
    first name when it is theirs alone), then names of two or more capitalised words not taken
    as an organization."""
    found = _known(text, [*contacts, *members])
    found += _first_names(text, [*contacts, *members], found)
    known_orgs = {o.lower() for o in own_orgs}
    for match in SPAN.finditer(text):
        before = text[: match.start()].rstrip().lower()
        if re.search(
            r"\b(at|from|of|joined|joining|org|organization|organisation|company|project|task)$",
            before,
        ):
            continue
        name = re.sub(r"(?:'s|\u2019s)$", "", _trim(match[0]))  # "Jane Doe's number"
        if len(name.split()) < 2 or name.lower() in known_orgs or SUFFIXES.search(name):
            continue
        if TITLE.search(name) or any(name.lower() in f.lower() for f in found):
            continue
        found.append(name)
    return found


# "head of IT at X": a title word that takes "of <area>" before the organization.
OF_AREA = re.compile(r"\s+of\s+(?P<area>[\w&/ -]+?)(?=\s+(?:at|for|with|in)\s+[A-Z]|[,.;!)]|$)")
TAKES_AREA = {"head", "director", "vp", "vice president", "chief", "manager", "lead", "svp"}
AREA_OF_TITLE = re.compile(rf"\b(?:{'|'.join(TAKES_AREA)})\s+of$", re.I)


def job_in(text: str) -> str | None:
    """The job title a message gives ("he's the procurement lead at X": "procurement lead")."""
    for pattern in JOB_PATTERNS:
        for match in pattern.finditer(text):
            job = re.sub(r"^(?:the|a|an|our|their|now)\s+", "", match["job"].strip(), flags=re.I)
            job = re.sub(r"^(?:also|now|currently|new)\s+", "", job, flags=re.I)
            area = OF_AREA.match(text, match.end("job"))
            if job.lower().split(" ")[-1] in TAKES_AREA and area and len(area["area"].split()) <= 3:
                job = f"{job} of {area['area']}"
            if MOVED.match(job):
                continue  # "she's moved to Initech as COO": the title is after "as"
            if TITLE.search(job) and len(job.split()) <= 5 and not EMAIL.search(job):
                return job
    return None


def duration_in(text: str) -> timedelta | None:
    """How long ("a 45 minute call", "for an hour", "90-minute")."""
    match = DURATION.search(text)
    if match is None:
        return None
    n = match["n"].lower()
    amount = float(NUMBERS.get(n, 0) or n)
    if match["unit"].lower().startswith("h"):
        return timedelta(hours=amount)
    return timedelta(minutes=amount)


def read(
    text: str,
    *,
    region: str | None,
    contacts: list[str] = (),  # type: ignore[assignment]
    members: list[str] = (),  # type: ignore[assignment]
    organizations: list[str] = (),  # type: ignore[assignment]
) -> Parts:
    """Every part of a message."""
    parts = Parts()
    parts.emails = EMAIL.findall(text)
    parts.phones = [e164 for _, e164 in phones_in(text, region)]
    plain = EMAIL.sub(" ", text)
    parts.people = people_in(plain, list(contacts), list(members), list(organizations))
    parts.organizations = organizations_in(plain, list(organizations), parts.people)
    parts.job = job_in(plain)
    if found := next((m for p in INDUSTRY if (m := p.search(plain))), None):
        parts.industry = found["industry"]
    if found := PRIORITY.search(plain):
        level = (found["level"] or found["level2"] or found["urgent"]).lower()
        parts.priority = PRIORITY_SLUGS.get(level, level)
    if found := TASK_STATUS.search(plain):
        status = found["status"].lower().replace("already ", "")
        parts.status = {"finished": "done", "started": "in_progress"}.get(status, status)
        parts.status = parts.status.replace(" ", "_")
    if found := DUE.search(plain) or ANY_DATE.search(plain):
        parts.due = found["when"]
    parts.duration = duration_in(plain)
    return parts


def is_organization_name(text: str) -> bool:
    """Whether a text reads as a company's name (capitalised words and connectors), not a
    clause ("for X as they're in manufacturing")."""
    words = text.split()
    connectors = {"and", "&", "of", "de", "di", "the", "y", "e", "und", "for"}
    return (
        0 < len(words) <= 8
        and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in connectors for w in words)
        and words[0].lower() not in ("for", "and", "of")
    )
