"""Reading one inbound mail (RFC 5322) into what the desk needs from it (pure, stdlib only).

:func:`read_message` parses the raw bytes with the standard library's
``email`` package (``policy.default``: headers decoded, charsets honoured) and
returns an :class:`Inbound`: who sent it, the subject, the body as plain text
(HTML-only mail turned into text), the attachments by name and size, the
message ids that thread it, and whether it was sent by a machine (auto-reply,
bounce, bulk) -- such mail never creates a record and never gets a reply,
so two desks or a desk and an out-of-office cannot loop.

:func:`new_text` keeps what a reply adds: quoted history (``>`` lines, "On …
wrote:", Outlook's "-----Original Message-----" and "From: … Sent: …" blocks)
and signatures (``-- ``) are cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from .errors import ValidationError
from .text import without_nul

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
UNNAMED = "(unnamed)"  # an attachment sent without a file name
MAX_BODY = 100_000  # characters kept of a body (a description is text, not an archive)
REF_IN_SUBJECT = re.compile(r"\[?\b(INC|REQ|CMP)-?(\d{1,12})\b\]?", re.IGNORECASE | re.ASCII)
_MACHINE_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply",
                    "donotreply")
_BULK_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int  # bytes, decoded
    content_type: str
    data: bytes = field(default=b"", repr=False, compare=False)  # the decoded content


@dataclass(frozen=True)
class Inbound:
    message_id: str  # as sent, without the angle brackets ('' when it had none)
    sender_name: str
    sender: str  # the address, as sent
    to: tuple[str, ...]  # To and Cc addresses, lower-case
    subject: str
    body: str  # plain text
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: tuple[str, ...] = ()  # In-Reply-To then References, without brackets
    automatic: str = ""  # why a machine sent it ('' for a person)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def refs_in_subject(self) -> list[tuple[str, int]]:
        """Record references in the subject, e.g. [('INC', 42)] for 'Re: [INC-000042] VPN'."""
        return [(m.group(1).upper(), int(m.group(2))) for m in REF_IN_SUBJECT.finditer(self.subject)
                if int(m.group(2))]


def _ids(value: str | None) -> list[str]:
    return [found.strip() for found in re.findall(r"<([^<>\s]{1,500})>", value or "")]


def read_message(raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Inbound:
    """Parse one message; ValidationError (one line) for over-size or what is not a mail."""
    if len(raw) > max_bytes:
        raise ValidationError(f"the message is {len(raw)} bytes; the limit is {max_bytes} "
                              "([mail] max_bytes)")
    if not raw.strip():
        raise ValidationError("no message on the input (expected one RFC 5322 mail)")
    head = raw[:65536].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    # binary input has NULs in its first lines; a NUL in a body is dropped below instead
    if not re.match(rb"^[!-9;-~]+:", head) or b"\x00" in head:
        raise ValidationError("the input is not an email message (no header lines at its start)")
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        sender_name, sender = _sender(msg)
        subject = _header(msg, "Subject")
    except ValidationError:
        raise
    except Exception as exc:  # the parser's own errors on broken headers
        raise ValidationError(f"the message cannot be read: {type(exc).__name__}") from None
    if not isinstance(msg, EmailMessage):
        raise ValidationError("the input is not an email message")
    body, attachments = _content(msg)
    to = tuple(addr.lower() for _n, addr in getaddresses(
        [_header(msg, "To"), _header(msg, "Cc"), _header(msg, "Delivered-To")]) if "@" in addr)
    message_ids = _ids(_header(msg, "Message-ID"))
    threads = _ids(_header(msg, "In-Reply-To")) + _ids(_header(msg, "References"))[::-1]
    # A NUL (say from a quoted-printable =00) cannot be stored: dropped, not the whole mail.
    attachments = [replace(a, name=without_nul(a.name)) for a in attachments]  # content kept
    return Inbound(
        message_id=message_ids[0] if message_ids else "",
        sender_name=without_nul(sender_name), sender=without_nul(sender), to=to,
        subject=without_nul(subject), body=_bounded(without_nul(body)),
        attachments=tuple(attachments), in_reply_to=tuple(dict.fromkeys(threads)),
        automatic=_automatic(msg, sender),
    )


def _bounded(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    return body[:MAX_BODY] + f"\n[… cut here: the message's text had {len(body)} characters]"


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header the policy cannot decode: read it raw
        value = None
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                value = str(raw)
                break
    text = "" if value is None else without_nul(str(value))
    return re.sub(r"\s+", " ", text).strip()


def _sender(msg: EmailMessage) -> tuple[str, str]:
    value = msg.get("From")
    if value is None:
        raise ValidationError("the message has no From: header; nothing to record it from")
    addresses = getattr(value, "addresses", ())
    if addresses:
        first: Address = addresses[0]
        return first.display_name or "", first.addr_spec
    name, addr = parseaddr(str(value))
    if "@" not in addr:
        raise ValidationError("the message's From: header holds no address")
    return name, addr


def _automatic(msg: EmailMessage, sender: str) -> str:
    """Why a machine sent ``msg`` (RFC 3834 Auto-Submitted, Precedence, bounces), or ''."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(msg, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = _header(msg, name)
        if value and (name != "X-Auto-Response-Suppress" or "oof" in value.lower()
                      or value.lower() == "all"):
            return f"{name}: {value}"
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "mailing list (List-Id)"
    local = sender.split("@", 1)[0].lower()
    if local in _MACHINE_SENDERS or local.startswith("mailer-daemon"):
        return f"sent by {local}"
    return_path = _header(msg, "Return-Path")
    if return_path.replace(" ", "") == "<>":
        return "Return-Path: <> (a bounce)"
    if msg.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    return ""


def _content(msg: EmailMessage) -> tuple[str, list[Attachment]]:
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and disposition != "inline") or (
                filename and part.get_content_maintype() != "text"):
            payload = part.get_payload(decode=True) or b""
            attachments.append(Attachment(_clean_name(filename or UNNAMED), len(payload),
                                          part.get_content_type(), payload))
    body_part = None
    try:
        body_part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        body_part = None
    if body_part is None:
        return "", attachments
    text = _text_of(body_part)
    if body_part.get_content_subtype() == "html":
        text = html_to_text(text)
    return normalise_newlines(text), attachments


def _text_of(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        for name in (charset, "windows-1252", "latin-1"):
            try:
                return payload.decode(name)
            except (LookupError, UnicodeDecodeError):
                continue
        return payload.decode("utf-8", "replace")


def _clean_name(name: str) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in name).strip()
    return text[:200] or UNNAMED


_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]")


def safe_filename(name: str, fallback: str) -> str:
    """A file name for saving an attachment that cannot leave the folder it is saved in:
    no path (``../../etc/passwd`` -> ``passwd``: only its last part), no separators,
    no controls, no leading dot (hidden files, ``..``), at most 120 characters; ``fallback``
    when nothing usable is left."""
    base = re.split(r"[/\\]", name)[-1] if name else ""
    text = _UNSAFE_IN_NAME.sub("_", base).strip().lstrip(".").strip()
    text = text[:120].strip()
    if not text or not any(ch.isalnum() for ch in text):
        return fallback
    return text


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "table", "ul", "ol", "hr", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data)
        if self.quote:  # quoted history in HTML replies: keep it marked as quoted
            text = "\n".join("> " + line for line in text.split("\n"))
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: blocks become lines, scripts and styles go."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; anything left is dropped, not shown raw
        pass
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Where the quoted history of a reply starts, as the common clients write it.
_HISTORY = (
    re.compile(r"^\s*On .{0,200}wrote:\s*$", re.IGNORECASE),  # Gmail, Thunderbird, Apple Mail
    re.compile(r"^\s*Am .{0,200}schrieb .{0,200}:\s*$", re.IGNORECASE),  # German clients
    re.compile(r"^\s*Le .{0,200}a écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),  # Outlook
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook on the web
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE),
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|To|An|Subject)\s*:", re.IGNORECASE)
_SIGNATURE = ("-- ", "--", "__", "Sent from my iPhone", "Sent from my Android",
              "Get Outlook for iOS", "Get Outlook for Android")


def new_text(body: str) -> str:
    """What a reply adds: quoted history and the signature cut off (falls back to the whole
    body when nothing would be left)."""
    lines = normalise_newlines(body).split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if any(pattern.match(line) for pattern in _HISTORY):
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(nxt)
                                             for nxt in lines[i + 1:i + 4]):
            break
        if line.rstrip() in ("-- ", "--") or any(line.strip() == s for s in _SIGNATURE[4:]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    text = "\n".join(kept).strip()
    return text or normalise_newlines(body).strip()


def title_from(subject: str, limit: int = 200) -> str:
    """A record title from a subject: reply and forward prefixes and [refs] taken off."""
    text = subject
    while True:
        stripped = re.sub(r"^\s*(re|aw|fw|fwd|wg|tr|sv|vs)\s*(\[\d+\])?\s*:\s*", "", text,
                          flags=re.IGNORECASE)
        if stripped == text:
            break
        text = stripped
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text[:limit].strip()
