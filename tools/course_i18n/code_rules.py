"""What counts as translatable text in a code cell: the rules and the exceptions, in one place.

``code_text`` finds every comment and string literal of a cell and asks this
module two questions: which *role* does a literal play (from its place in the
code), and is its *content* prose or code/protocol data. Everything that
decides "this stays English" lives here, so a reviewer reads one file.

Roles (they become the catalog entry's ``msgctxt``):

- ``comment``, ``docstring``;
- ``printed``: an argument of ``print()``;
- ``assert message`` / ``exception message``: the message of ``assert`` / ``raise``;
- ``quiz``: a value inside ``Quiz(...)`` (never a dict key);
- ``plot label``: ``title=``, ``xlabel=``, ``ylabel=``, ``label=`` and ``set_title()`` ...;
- ``string``: any other literal, extracted only when it reads as a sentence
  (two or more words), e.g. sample messages and log lines the lesson prints later.

Never extracted (stay byte for byte as in English):

- bytes literals, dict keys, subscripts (``headers["upgrade"]``), keyword
  arguments other than the plot and text ones (``encoding=``, ``sep=``, ``name=``);
- arguments of calls that parse, compare, look up or address something
  (``DENIED_CALLS``: ``startswith``, ``split``, ``getaddrinfo``, ``Path``, ``connect`` ...);
- literals assigned to UPPER_CASE constants (``WEBSOCKET_GUID``);
- **texts the notebook compares**: a literal (str or bytes) that is an operand
  of ``==``/``in``/``<``..., or an argument of ``startswith``/``endswith``,
  blocks every literal of the same notebook that equals it (``==``), starts
  with it (``startswith``) or contains it (``in``): ``reply == b"Thank you for
  connecting"`` keeps ``"Thank you for connecting".encode()`` English, so the
  check still passes in every edition;
- content that is code or protocol data (``is_code_or_data``): URLs, e-mail
  addresses, paths, file and host names, IP addresses, HTTP request and header
  lines, status lines (``200 OK``), key names (``Ctrl+S``), identifiers
  (``AF_INET``, ``bind()``, ``srv.address``, a label ``"proto ="`` naming a
  variable), sample data written in several languages (a letter of a non-Latin script:
  ``"Grüße, 你好"``; accented Latin letters alone, as in ``"ünïcödé"``, do not make a text
  data: it is still prose to translate), and the exact texts of
  ``KEEP_ENGLISH``;
- comments that are tool directives (``DIRECTIVES``: nbgrader's
  ``### BEGIN SOLUTION``, nbval's ``# NBVAL_IGNORE_OUTPUT``, ``# noqa``) or
  commented-out code.

Typical use::

    from course_i18n import code_rules
    code_rules.is_code_or_data("HTTP/1.1", "printed")          # True
    code_rules.is_code_or_data("servers running", "printed")   # False
"""

from __future__ import annotations

import ast
import re
import unicodedata

__all__ = [
    "ROLES",
    "DENIED_CALLS",
    "PREFIX_CALLS",
    "PLOT_KEYWORDS",
    "PLOT_CALLS",
    "TEXT_KEYWORDS",
    "DIRECTIVES",
    "KEEP_ENGLISH",
    "PROTOCOL_WORDS",
    "is_directive",
    "is_commented_code",
    "is_code_or_data",
    "prose_words",
]

#: msgctxt of each kind of text, in the order a translator meets them.
ROLES = ("comment", "docstring", "printed", "assert message", "exception message", "quiz", "plot label", "string")
#: Roles where one word is enough to be a text (a label such as "hint:"); "string" needs a sentence.
DISPLAY_ROLES = {"comment", "docstring", "printed", "assert message", "exception message", "quiz", "plot label"}

#: Calls whose string arguments (and string receiver) are data the code parses, compares or addresses.
DENIED_CALLS = {
    # str methods that parse or compare
    "startswith", "endswith", "split", "rsplit", "partition", "rpartition", "replace", "strip", "lstrip",
    "rstrip", "find", "rfind", "index", "count", "removeprefix", "removesuffix", "join", "decode",
    "splitlines", "fromisoformat", "strftime", "strptime",
    # names, addresses, files, modules, attributes
    "getattr", "hasattr", "setattr", "delattr", "find_spec", "import_module", "__import__", "globals", "get",
    "open", "Path", "PurePath", "read_text", "read_bytes", "mkdtemp", "TemporaryDirectory", "which",
    "getaddrinfo", "gethostbyname", "gethostbyname_ex", "getservbyname", "getservbyport", "getnameinfo",
    "inet_pton", "inet_ntop", "inet_aton", "ip_address", "ip_network", "ip_interface", "IPv4Address", "IPv6Address",
    "connect", "bind", "create_connection", "create_server", "serve", "start_server", "urlopen", "Request",
    "request", "putheader", "getheader", "retrbinary", "storbinary", "retrlines", "sendcmd", "login", "cwd",
    "has_extn", "tls_echo_server", "https_server",
    "SMTP", "FTP", "HTTPConnection", "http_server", "ftp_server",
    "run", "Popen", "check_output", "call", "compile", "exec", "eval",
    "Struct", "pack", "unpack", "pack_into", "unpack_from", "calcsize",
    "b64encode", "b64decode", "sha1", "sha256", "md5", "int", "float", "bytes", "bytearray", "ord", "chr",
    "environ", "getenv", "register", "signal", "filterwarnings", "simplefilter",
}
#: Of those, the calls that test a prefix / suffix: their literal blocks texts that start / end with it.
PREFIX_CALLS = {"startswith": "prefix", "endswith": "suffix", "removeprefix": "prefix", "removesuffix": "suffix"}
#: Keyword arguments that are plot labels.
PLOT_KEYWORDS = {"title", "xlabel", "ylabel", "label", "suptitle"}
#: Methods whose positional string arguments are plot labels.
PLOT_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "title", "xlabel", "ylabel", "text", "annotate"}
#: Other keyword arguments whose string is text for a person (anything else: data, as ``encoding=``).
TEXT_KEYWORDS = {"message", "description", "help", "placeholder", "explanation", "text"}
#: Methods called on a literal that keep it a text (a template, a padded label, a message to send), with the flag they imply.
TEXT_METHODS = {"format": "python-brace-format", "encode": None, "ljust": None, "rjust": None, "center": None}

#: Comments a tool reads: kept exactly, never offered for translation.
DIRECTIVES = re.compile(
    r"^(?:#+\s*)?(?:BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|NBVAL_\w+|PYTEST_VALIDATE_\w+"
    r"|noqa\b|type:|pragma\b|fmt:|isort:|pylint:|-\*-|!)",
)

#: Exact texts that stay English in every edition, with the reason (module names offered as quiz options ...).
KEEP_ENGLISH = {
    "requests": "a third-party package's name (lesson 08 quiz)",
    "urllib2": "a Python 2 module's name (lesson 08 quiz)",
    "Grace Hopper": "a person's name sent as test data (a6 hidden test)",
}

#: Words of protocols, headers and tools that stay English inside a label.
PROTOCOL_WORDS = {
    "Subject", "From", "To", "Cc", "Bcc", "Host", "Connection", "Upgrade", "Content-Type", "Content-Length",
    "Sec-WebSocket-Key", "Sec-WebSocket-Accept", "Sec-WebSocket-Version", "EHLO", "HELO", "GET", "POST",
    "RETR", "STOR", "USER", "PASS", "QUIT", "NLST", "PWD",
}

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://\S*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_TOKEN = re.compile(r"^\S+$")  # one token without spaces
_DATA_TOKEN = re.compile(r"[/\\@=:.]\w|^\.|\w\.\w|::|^[-+]?\d")  # path, file.ext, host.name, a=b, ::1, numbers
_HTTP = re.compile(r"^(?:GET|POST|PUT|HEAD|DELETE|OPTIONS) \S+ HTTP/\d|^HTTP/\d|\r\n")
_HEADER_LINE = re.compile(r"^(?:[A-Z][A-Za-z0-9]*(?:-[A-Z][A-Za-z0-9]*)+|Host|Upgrade|Connection|Subject|From|To|Date|Server|Accept): \S")
_STATUS = re.compile(r"^\d{3} [A-Z][\w -]*$")
_KEYS = re.compile(r"^(?:(?:Ctrl|Shift|Alt|Cmd|Option|Meta)\+)+\S+$")
_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")
_INLINE_CODE_WORD = re.compile(r"[_.()\[\]=/\\@{}<>:0-9]|^[A-Z0-9]{2,}$|[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|[A-Z]\w*(?:Error|Exception|Warning)$")
_PUNCTUATION = "\"'`.,;:!?()[]<>{}-–—…|*#»«“”‘’"
_NAMES_A_VALUE = re.compile(r"^\s*[\w.]+\s*=\s*$")  # "proto =", "INADDR_ANY       ="


def is_directive(comment: str) -> bool:
    """True for a comment that a tool reads (nbgrader, nbval, linters): it stays exactly as written.

    Typical use::

        is_directive("### BEGIN SOLUTION")   # True
    """
    return bool(DIRECTIVES.match(comment.lstrip("#").strip()) or DIRECTIVES.match(comment.strip()))


def is_commented_code(text: str) -> bool:
    """True for a comment that is a line of Python (an assignment or a call), not a sentence.

    Typical use::

        is_commented_code("print(x)")   # True
    """
    if "(" not in text and "=" not in text:
        return False
    try:
        tree = ast.parse(text.strip())
    except SyntaxError:
        return False
    return bool(tree.body) and not (isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Name))


def _code_word(word: str) -> bool:
    return word in PROTOCOL_WORDS or bool(_INLINE_CODE_WORD.search(word))


def prose_words(text: str) -> list[str]:
    """The words of ``text`` that read as natural language (code, fields and protocol words left out).

    Typical use::

        prose_words("sent {count} datagrams to AF_INET")   # ['sent', 'datagrams', 'to']
    """
    plain = _FIELD.sub(" ", text)
    candidates = [word.strip(_PUNCTUATION) for word in plain.split()]
    candidates = [word for word in candidates if sum(ch.isalpha() for ch in word) >= 2 or re.search(r"[\u3400-\u9fff]", word)]
    return [word for word in candidates if not _code_word(word)]


def is_code_or_data(text: str, role: str) -> bool:
    """True when a literal's content is code or protocol data, not a text for a person.

    ``role`` is where the literal sits (see ``ROLES``): a ``string`` must be
    a sentence (two or more words) to count as text; a label in ``print()``
    may be one word.

    Typical use::

        is_code_or_data("Content-Type:", "printed")   # True
    """
    stripped = text.strip()
    if not stripped or stripped in KEEP_ENGLISH or _NAMES_A_VALUE.match(stripped):
        return True
    if any(ch.isalpha() and not ch.isascii() and unicodedata.name(ch, "").split()[0] not in ("LATIN",) for ch in _FIELD.sub("", text)):
        return True
    if _URL.match(stripped) or _EMAIL.match(stripped) or _HTTP.search(text) or _STATUS.match(stripped) or _KEYS.match(stripped):
        return True
    if role not in ("comment", "docstring") and _HEADER_LINE.match(stripped):
        return True
    if _TOKEN.match(stripped) and _DATA_TOKEN.search(_FIELD.sub("", stripped).strip(_PUNCTUATION)):
        return True
    words = prose_words(text)
    if role in DISPLAY_ROLES:
        return not words
    return len(words) < 2
