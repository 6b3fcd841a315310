"""The bad-input corpus: requests a hostile or broken client sends to Haven's public pages.

Each case is a raw request (method, path suffix, content type, body bytes, extra headers).
``tests/public/test_bad_input.py`` sends every case to every public endpoint and checks that
none answers with a server error, none stores anything, and none reflects markup unescaped.
The injected markers below must never appear verbatim in a response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

# Markup that would run or restyle the page if echoed unescaped.
SCRIPT = "<script>alert('haven')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
MARKERS = (SCRIPT, ATTRIBUTE, "<img src=x")


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes = b""
    content_type: str = "application/x-www-form-urlencoded"
    method: str = "POST"
    suffix: str = ""  # appended to the endpoint's path
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _form(**fields: str) -> bytes:
    return urlencode(fields).encode()


# Every field name the public forms know, so that values reach each field's validation.
FIELDS = (
    "display_name",
    "contact",
    "gender",
    "birth_year",
    "host_country",
    "city",
    "entered_on",
    "document",
    "dependants",
    "savings_days",
    "situation",
    "origin_region",
    "website",
    "idempotency_key",
    "reference",
    "passphrase",
    "question",
    "answer",
    "offer",
    "choice",
    "username",
    "password",
)

CASES: list[Case] = [
    # Sizes beyond what Django reads into memory (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
    Case("oversized body", _form(situation="x" * 3_000_000)),
    Case("too many fields", "&".join(f"f{i}=1" for i in range(5_000)).encode()),
    Case("one huge field name", _form(**{"a" * 100_000: "1"})),
    # Broken multipart.
    Case("multipart without boundary", b"--x\r\n\r\nhello", content_type="multipart/form-data"),
    Case(
        "multipart truncated",
        b'--b\r\nContent-Disposition: form-data; name="situation"\r\n\r\nhal',
        content_type="multipart/form-data; boundary=b",
    ),
    Case(
        "multipart wrong boundary",
        b'--zzz\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--zzz--\r\n',
        content_type="multipart/form-data; boundary=b",
    ),
    Case(
        "multipart with a file",
        b'--b\r\nContent-Disposition: form-data; name="situation"; filename="../../etc/passwd"'
        b"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02\r\n--b--\r\n",
        content_type="multipart/form-data; boundary=b",
    ),
    # Encodings.
    Case("invalid UTF-8 body", b"display_name=%FF%FE%FD&situation=\xff\xfe\xc3\x28"),
    Case("invalid UTF-8 query", query="lang=%FF%FE"),
    Case("null bytes", _form(**dict.fromkeys(FIELDS, "a\x00b"))),
    Case("right-to-left override", _form(**dict.fromkeys(FIELDS, "\u202egnp.exe"))),
    Case("UTF-16 body", "display_name=Артём".encode("utf-16"), "text/plain; charset=utf-16"),
    Case("JSON to a form", b'{"display_name": {"$gt": ""}}', "application/json"),
    Case("unknown content type", b"\x89PNG\r\n\x1a\n", "image/png"),
    # Numbers.
    Case(
        "huge numbers",
        _form(
            birth_year="9" * 400,
            dependants="1e309",
            savings_days="-99999999999999999999",
            entered_on="99999-12-31",
            idempotency_key="1" * 1000,
        ),
    ),
    Case(
        "negative and odd numbers",
        _form(birth_year="-1", dependants="NaN", savings_days="Infinity"),
    ),
    # Injection into every field (also SQL-looking text: the ORM parameterises).
    Case("script injection", _form(**dict.fromkeys(FIELDS, SCRIPT))),
    Case("attribute injection", _form(**dict.fromkeys(FIELDS, ATTRIBUTE))),
    Case(
        "sql-looking text", _form(**dict.fromkeys(FIELDS, "' OR 1=1; DROP TABLE core_person; --"))
    ),
    Case("repeated fields", b"gender=man&gender=woman&host_country=KZ&host_country=PL"),
    # Paths.
    Case("dot segments", method="GET", suffix="../../../../etc/passwd"),
    Case("encoded dot segments", method="GET", suffix="%2e%2e/%2e%2e/settings.py"),
    Case("null byte in path", method="GET", suffix="%00"),
    Case("script in path", method="GET", suffix="%3Cscript%3Ealert(1)%3C/script%3E"),
    Case("double slash", method="GET", suffix="/evil.example/"),
    # Methods and headers.
    Case("PUT", _form(display_name="x"), method="PUT"),
    Case("DELETE", method="DELETE"),
    Case("spoofed host", _form(display_name="x"), headers={"HTTP_HOST": "evil.example"}),
    Case(
        "forwarded address headers",
        _form(display_name="x"),
        headers={"HTTP_X_FORWARDED_FOR": "' OR 1=1 --, 300.1.1.1", "HTTP_X_REAL_IP": SCRIPT},
    ),
    Case("huge accept-language", method="GET", headers={"HTTP_ACCEPT_LANGUAGE": "ru-" * 5_000}),
]
