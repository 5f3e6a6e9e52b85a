"""Comments, docstrings and string texts of code cells: extracted for the catalogs, put back at build time.

Students read plain Python in their language: an edition's code cell is the
English cell with the text of its comments and string literals replaced,
token by token; every other token stays exactly as in English (a test masks
the texts and compares the rest). What is a text and what stays English is
decided in ``code_rules``.

How texts become catalog messages:

- a run of full-line comments at one indentation is one message (its lines
  joined by newlines, the ``# `` removed); an inline comment is one message;
- a docstring is one message (indentation removed as ``inspect.cleandoc`` does);
- a string literal (or an implicit concatenation ``"a" "b"``) is one message;
  an f-string's message is its literal text with the replacement fields kept
  verbatim (``sent {len(data)} datagrams``), flagged ``python-brace-format``;
- a Python program written inside a triple-quoted string (a ``server.py`` the
  lesson writes to disk) gets its own comments and texts extracted the same way.

Typical use::

    texts = code_text.notebook_texts([cell.source for cell in code_cells])
    localised = code_text.localise(source, texts[0], {("comment", "hello"): "hola"})
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field

from . import code_rules

__all__ = ["CodeText", "cell_texts", "notebook_texts", "compared_texts", "flat", "localise", "masked_tokens", "fields", "compiles", "python_source"]

_MAGIC_LINE = re.compile(r"^\s*[%!?]")
_PROGRAM_HINT = re.compile(r"^\s*(?:#|import |from |def |class |with |for |while |if |print\()", re.MULTILINE)


@dataclass(frozen=True)
class CodeText:
    """One translatable text of a code cell, and where it sits in the cell's source."""

    context: str                 # msgctxt: a role of code_rules.ROLES
    msgid: str                   # the English text
    line: int                    # 1-based line of the cell where it starts
    code_line: str               # that line of code, shown to the translator
    flags: tuple[str, ...] = ()
    #: Pieces of source to replace: (start offset, end offset, kind-specific data).
    pieces: tuple = field(default=(), compare=False, repr=False)
    kind: str = field(default="", compare=False, repr=False)   # "comment", "inline", "string", "program"
    #: For a program inside a string: its own texts.
    inner: tuple = field(default=(), compare=False, repr=False)
    #: Which string group of the cell (1-based, in token order) a literal is; 0 for comments.
    ordinal: int = field(default=0, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


# --------------------------------------------------------------------------- tokens


def python_source(source: str) -> str | None:
    """The cell as Python tokenize can read: IPython line magics blanked; None for a cell magic (%%).

    Typical use::

        python_source("%time x = 1")   # '           '
    """
    if source.lstrip().startswith("%%"):
        return None
    lines = source.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if _MAGIC_LINE.match(line):
            content = line.rstrip("\r\n")
            lines[index] = " " * len(content) + line[len(content):]
    return "".join(lines)


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    """Tokens of a source; f-strings of Python 3.12+ (FSTRING_START ... END) merged into one STRING."""
    found = list(tokenize.generate_tokens(io.StringIO(source).readline))
    start_type = getattr(tokenize, "FSTRING_START", None)
    if start_type is None:
        return found
    merged, depth, first = [], 0, None
    lines = source.splitlines(keepends=True)
    for token in found:
        if token.type == start_type:
            depth += 1
            first = first or token
            continue
        if depth:
            if token.type == tokenize.FSTRING_END:
                depth -= 1
                if depth == 0:
                    text = _slice(lines, first.start, token.end)
                    merged.append(tokenize.TokenInfo(tokenize.STRING, text, first.start, token.end, first.line))
                    first = None
            continue
        merged.append(token)
    return merged


def _slice(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    (row1, col1), (row2, col2) = start, end
    if row1 == row2:
        return lines[row1 - 1][col1:col2]
    return lines[row1 - 1][col1:] + "".join(lines[row1:row2 - 1]) + lines[row2 - 1][:col2]


def _offsets(source: str) -> list[int]:
    starts, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


_PREFIX = re.compile(r"^([a-zA-Z]*)('''|\"\"\"|'|\")", re.DOTALL)


def _split_string(token_text: str) -> tuple[str, str, str]:
    """(prefix, quote, body) of one string token."""
    match = _PREFIX.match(token_text)
    prefix, quote = match.group(1), match.group(2)
    return prefix, quote, token_text[len(prefix) + len(quote): len(token_text) - len(quote)]


def _field_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each replacement field of an f-string body (nested braces and quotes handled)."""
    spans, index = [], 0
    while index < len(body):
        char = body[index]
        if char in "{}" and body[index: index + 2] in ("{{", "}}"):
            index += 2
            continue
        if char == "{":
            depth, cursor, quote = 0, index, None
            while cursor < len(body):
                current = body[cursor]
                if quote:
                    if current == quote:
                        quote = None
                elif current in "'\"":
                    quote = current
                elif current == "{":
                    depth += 1
                elif current == "}":
                    depth -= 1
                    if depth == 0:
                        break
                cursor += 1
            spans.append((index, cursor + 1))
            index = cursor + 1
            continue
        index += 1
    return spans


def fields(text: str) -> Counter:
    """The replacement fields of a text in f-string / str.format syntax, as a multiset.

    Typical use::

        fields("sent {len(data)} of {total!r:>5}")   # Counter({'{len(data)}': 1, '{total!r:>5}': 1})
    """
    return Counter(text[start:end] for start, end in _field_spans(text))


def _decode_piece(token_text: str, as_format: bool) -> str:
    """The text of one string token; f-strings keep their fields verbatim (and {{ }} as written)."""
    prefix, quote, body = _split_string(token_text)
    plain_prefix = prefix.lower().replace("f", "")
    if "f" not in prefix.lower():
        value = ast.literal_eval(token_text)
        return value.replace("{", "{{").replace("}", "}}") if as_format else value
    parts, last = [], 0
    for start, end in _field_spans(body):
        parts.append(ast.literal_eval(plain_prefix + quote + body[last:start] + quote))
        parts.append(body[start:end])
        last = end
    parts.append(ast.literal_eval(plain_prefix + quote + body[last:] + quote))
    return "".join(parts)


def _encode_body(text: str, prefix: str, quote: str) -> str:
    """Source for the body of a string token holding ``text`` with the given prefix and quotes."""
    is_f, is_raw, triple = "f" in prefix.lower(), "r" in prefix.lower(), len(quote) == 3
    segments = []
    last = 0
    for start, end in (_field_spans(text) if is_f else []):
        segments.append((text[last:start], False))
        segments.append((text[start:end], True))
        last = end
    segments.append((text[last:], False))
    out = []
    for segment, is_field in segments:
        if is_field:
            out.append(segment)
            continue
        if is_raw:
            if quote[0] in segment or (not triple and "\n" in segment) or segment.endswith("\\"):
                raise ValueError(f"a raw string cannot hold this translation: {text!r}")
            out.append(segment)
            continue
        segment = segment.replace("\\", "\\\\")
        if triple:
            segment = segment.replace(quote, "\\" + quote[0] + quote[1:])
        else:
            segment = segment.replace("\n", "\\n").replace("\r", "\\r").replace(quote, "\\" + quote)
        out.append(segment)
    body = "".join(out)
    if triple and body.endswith(quote[0]) and not body.endswith("\\" + quote[0]):
        body = body[:-1] + "\\" + quote[0]
    return body


# --------------------------------------------------------------------------- roles from the syntax tree


@dataclass
class _Role:
    role: str | None = None           # None: not a text position (yet): a plain "string"
    denied: str | None = None         # why it stays English: "data", or a blocking mode "exact" / "prefix" / "contains" ...
    flags: tuple[str, ...] = ()
    docstring: bool = False
    constant: bool = False


def _call_name(node: ast.Call) -> str:
    func = node.func
    return getattr(func, "id", None) or getattr(func, "attr", "") or ""


def _roles(tree: ast.AST) -> dict[tuple[int, int], _Role]:
    """Role of every string / bytes literal, keyed by its (line, byte column)."""
    found: dict[tuple[int, int], _Role] = {}

    def mark(node, role: _Role):
        found[(node.lineno, node.col_offset)] = role

    def visit(node, role: _Role):
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            if isinstance(node, ast.JoinedStr) or isinstance(node.value, (str, bytes)):
                mark(node, role)
            return
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            doc = None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                doc = first
                mark(first.value, _Role("docstring", docstring=True))
            for child in ast.iter_child_nodes(node):
                if child is not doc:
                    visit(child, _Role())
            return
        if isinstance(node, ast.Assert):
            visit(node.test, role)
            if node.msg is not None:
                visit(node.msg, _Role("assert message"))
            return
        if isinstance(node, ast.Raise):
            for child in (node.exc, node.cause):
                if child is not None:
                    visit(child, _Role("exception message"))
            return
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, operand in enumerate(operands):
                ops = [node.ops[index - 1]] if index else []
                ops += [node.ops[index]] if index < len(node.ops) else []
                contains = index == 0 and any(isinstance(op, (ast.In, ast.NotIn)) for op in ops)
                visit(operand, _Role(denied="contains" if contains else "exact"))
            return
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    visit(key, _Role(denied="data"))
            for value in node.values:
                visit(value, role)
            return
        if isinstance(node, ast.Subscript):
            visit(node.value, role)
            visit(node.slice, _Role(denied="data"))
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            constant = any(isinstance(target, ast.Name) and target.id.isupper() for target in targets)
            for target in targets:
                visit(target, _Role(denied="data"))
            if node.value is not None:
                visit(node.value, _Role(constant=True) if constant else role)
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _is_str(node.left):
            visit(node.left, _Role(role.role, role.denied, (*role.flags, "python-format")))
            visit(node.right, role)
            return
        if isinstance(node, ast.Call):
            visit_call(node, role)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, role)

    def visit_call(node: ast.Call, role: _Role):
        name = _call_name(node)
        func = node.func
        if isinstance(func, ast.Attribute) and _is_str(func.value):  # "text".method(...)
            if name in code_rules.TEXT_METHODS:
                flag = code_rules.TEXT_METHODS[name]
                visit(func.value, _Role(role.role, role.denied, (*role.flags, flag) if flag else role.flags))
            else:
                visit(func.value, _Role(denied="data"))
        else:
            visit(func, _Role(denied="data") if name in code_rules.DENIED_CALLS else role)
        if name in code_rules.DENIED_CALLS:
            mode = code_rules.PREFIX_CALLS.get(name, "exact" if name in ("startswith", "endswith") else "data")
            for argument in node.args:
                visit(argument, _Role(denied=mode))
            for item in node.keywords:
                visit(item.value, _Role(denied="data"))
            return
        if name == "print":
            inner = _Role("printed")
        elif name.endswith("Quiz"):
            inner = _Role("quiz")
        elif name in code_rules.PLOT_CALLS:
            inner = _Role("plot label")
        else:
            inner = role
        for argument in node.args:
            visit(argument, inner)
        for item in node.keywords:
            if item.arg in code_rules.PLOT_KEYWORDS:
                visit(item.value, _Role("plot label"))
            elif item.arg in code_rules.TEXT_KEYWORDS or (item.arg is None):
                visit(item.value, inner)
            else:
                visit(item.value, _Role(denied="data"))

    visit(tree, _Role())
    return found


def _is_str(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


# --------------------------------------------------------------------------- one cell, first pass


@dataclass
class _CellScan:
    candidates: list = field(default_factory=list)   # CodeText not yet filtered by the notebook's compared texts
    compared: list = field(default_factory=list)     # (mode, text) of literals the code compares


def _scan(source: str, line_offset: int = 0) -> _CellScan:
    scan = _CellScan()
    python = python_source(source)
    if python is None:
        return scan
    try:
        tokens = _tokens(python)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return scan
    try:
        tree = compile(python, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        tree = None
    lines = python.splitlines(keepends=True)
    starts = _offsets(python)

    def offset(position):
        return starts[position[0] - 1] + position[1]

    def byte_col(position):
        row, col = position
        return len(lines[row - 1][:col].encode("utf-8"))

    def code_line(row):
        text = lines[row - 1].strip() if row - 1 < len(lines) else ""
        return text if len(text) <= 100 else text[:97] + "..."

    roles = _roles(tree) if tree is not None else {}

    # Comments: full-line runs at one column, and inline comments.
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != tokenize.COMMENT:
            index += 1
            continue
        row, col = token.start
        full_line = lines[row - 1][:col].strip() == ""
        if not full_line:
            _add_comment(scan, [token], "inline", offset, code_line, line_offset)
            index += 1
            continue
        run = [token]
        cursor = index + 1
        while cursor + 1 < len(tokens) and tokens[cursor].type == tokenize.NL and tokens[cursor + 1].type == tokenize.COMMENT:
            following = tokens[cursor + 1]
            if following.start[0] != run[-1].start[0] + 1 or following.start[1] != col:
                break
            if lines[following.start[0] - 1][: following.start[1]].strip():
                break
            if code_rules.is_directive(following.string) != code_rules.is_directive(token.string):
                break
            run.append(following)
            cursor += 2
        _add_comment(scan, run, "comment", offset, code_line, line_offset)
        index = cursor

    # Strings: runs of adjacent STRING tokens (implicit concatenation), numbered in cell order.
    ordinal = 0
    for kind, group in _string_groups(tokens):
        if kind != "STRING":
            continue
        ordinal += 1
        role = roles.get((group[0].start[0], byte_col(group[0].start)), _Role())
        _add_string(scan, group, role, offset, code_line, line_offset, ordinal)
    return scan


def _add_comment(scan, run, kind, offset, code_line, line_offset):
    texts = [token.string[1:] for token in run]
    first = texts[0]
    if code_rules.is_directive(run[0].string):
        return
    stripped = [text[1:] if text.startswith(" ") else text for text in texts]
    message = "\n".join(line.rstrip() for line in stripped).strip("\n")
    if not code_rules.prose_words(message) or (len(run) == 1 and code_rules.is_commented_code(first)):
        return
    row = run[0].start[0]
    pieces = ((offset(run[0].start), offset(run[-1].end), run[0].start[1]),)
    scan.candidates.append(
        CodeText("comment", message, row + line_offset, code_line(row) if kind == "inline" else code_line(row), (), pieces, kind)
    )


def _add_string(scan, group, role: _Role, offset, code_line, line_offset, ordinal):
    texts = [token.string for token in group]
    prefixes = [_split_string(text)[0].lower() for text in texts]
    if any("b" in prefix for prefix in prefixes):
        if role.denied and role.denied != "data":
            try:
                scan.compared.append((role.denied, b"".join(ast.literal_eval(text) for text in texts).decode("utf-8", "replace")))
            except (ValueError, SyntaxError):
                pass
        return
    as_format = any("f" in prefix for prefix in prefixes)
    try:
        message = "".join(_decode_piece(text, as_format) for text in texts)
    except (ValueError, SyntaxError):
        return
    if role.denied:
        if role.denied != "data":
            scan.compared.append((role.denied, message))
        return
    row = group[0].start[0]
    pieces = tuple((offset(token.start), offset(token.end), token.string) for token in group)
    # A Python program inside a triple-quoted string: its own texts, rebuilt inside the string.
    if len(group) == 1 and role.constant or (len(group) == 1 and role.role is None):
        program = _program(texts[0])
        if program is not None:
            body_start = offset(group[0].start) + len(_split_string(texts[0])[0]) + 3 + (2 if _split_string(texts[0])[2].startswith("\\\n") else 0)
            inner = _scan(program)
            scan.candidates.append(
                CodeText("program", program, row + line_offset, code_line(row), (), ((body_start, body_start + len(program), _split_string(texts[0])[1]),), "program", (inner,), ordinal)
            )
            return
    if role.constant:
        return
    context = role.role or "string"
    if role.docstring:
        message = inspect.cleandoc(message)
    flags = list(role.flags)
    if as_format and fields(message):
        flags.append("python-brace-format")
    flags = tuple(dict.fromkeys(flag for flag in flags if flag))
    if "python-brace-format" in flags and not as_format and not fields(message):
        flags = tuple(flag for flag in flags if flag != "python-brace-format")
    scan.candidates.append(CodeText(context, message, row + line_offset, code_line(row), flags, pieces, "docstring" if role.docstring else "string", (), ordinal))


def _program(token_text: str) -> str | None:
    """The Python program held by a triple-quoted string, or None (no program, or escapes we do not rebuild)."""
    prefix, quote, body = _split_string(token_text)
    if len(quote) != 3 or prefix or "\n" not in body:
        return None
    if body.startswith("\\\n"):
        body = body[2:]
    if "\\" in body.replace("\\n", "").replace("\\r", "") or not _PROGRAM_HINT.search(body):
        return None
    if "\\" in body:
        return None
    try:
        ast.parse(body)
    except SyntaxError:
        return None
    return body


# --------------------------------------------------------------------------- the notebook


def _blocked(text: str, compared: list[tuple[str, str]]) -> bool:
    plain = text
    for mode, other in compared:
        if not code_rules.prose_words(other) and not other.strip():
            continue
        if mode == "exact" and plain == other:
            return True
        if mode == "prefix" and other and plain.startswith(other):
            return True
        if mode == "suffix" and other and plain.endswith(other):
            return True
        if mode == "contains" and other and other in plain:
            return True
    return False


def _filter(texts: list[CodeText], compared) -> list[CodeText]:
    kept = []
    for text in texts:
        if text.kind == "program":
            inner = _filter(text.inner[0].candidates, compared)
            if inner:
                kept.append(CodeText(text.context, text.msgid, text.line, text.code_line, (), text.pieces, "program", tuple(inner), text.ordinal))
            continue
        if text.context != "comment":
            literal = re.sub(r"\{\{|\}\}", lambda m: m.group(0)[0], text.msgid) if "python-brace-format" in text.flags else text.msgid
            if _blocked(literal, compared) or _blocked(text.msgid, compared):
                continue
            if code_rules.is_code_or_data(text.msgid, text.context):
                continue
        kept.append(text)
    return kept


def _all_compared(scan: _CellScan) -> list:
    found = list(scan.compared)
    for text in scan.candidates:
        if text.kind == "program":
            found += _all_compared(text.inner[0])
    return found


def notebook_texts(sources: list[str]) -> list[list[CodeText]]:
    """The translatable texts of each code cell of one notebook (same order as ``sources``).

    The whole notebook is read first: a text that any cell compares
    (``== "..."``, ``.startswith("...")``) stays English in every cell.

    Typical use::

        notebook_texts(['print("servers running")'])[0][0].msgid   # 'servers running'
    """
    scans = [_scan(source) for source in sources]
    compared = [item for scan in scans for item in _all_compared(scan)]
    return [sorted(_filter(scan.candidates, compared), key=lambda text: text.pieces[0][0]) for scan in scans]


def compared_texts(sources: list[str]) -> set[str]:
    """Texts the notebook's code compares or parses (they stay English everywhere in it, by design).

    Typical use::

        compared_texts(['assert reply == b"Thank you for connecting"'])   # {'Thank you for connecting'}
    """
    return {text for scan in map(_scan, sources) for _mode, text in _all_compared(scan) if code_rules.prose_words(text)}


def cell_texts(source: str) -> list[CodeText]:
    """The translatable texts of one code cell read on its own.

    Typical use::

        [t.context for t in cell_texts('# Connect first\\nprint("done")')]   # ['comment', 'printed']
    """
    return notebook_texts([source])[0]


def flat(texts: list[CodeText]) -> list[CodeText]:
    """Every text, those of programs inside strings included (what goes into a catalog).

    Typical use::

        [t.msgid for t in flat(cell_texts(source))]
    """
    found = []
    for text in texts:
        if text.kind == "program":
            found += flat(list(text.inner))
        else:
            found.append(text)
    return found


# --------------------------------------------------------------------------- putting translations back


def _render_comment(text: CodeText, translation: str, source: str) -> str:
    start, _end, column = text.pieces[0]
    if text.kind == "inline":
        return "# " + " ".join(line.strip() for line in translation.splitlines() if line.strip())
    line_start = source.rfind("\n", 0, start) + 1
    indent = source[line_start:start]
    lines = translation.split("\n")
    return ("\n" + indent).join(("# " + line.rstrip()) if line.strip() else "#" for line in lines)


def _render_docstring(text: CodeText, translation: str, token_text: str) -> str:
    prefix, quote, _body = _split_string(token_text)
    value = ast.literal_eval(token_text)
    lead = value[: len(value) - len(value.lstrip())]
    trail = value[len(value.rstrip()):]
    rest = [line for line in value.strip().splitlines()[1:] if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in rest), default=None)
    if indent is None:
        indent_text = re.match(r"[ \t]*", trail.split("\n")[-1]).group(0) if "\n" in trail else ""
    else:
        indent_text = next(line for line in rest if len(line) - len(line.lstrip()) == indent)[:indent]
    lines = translation.split("\n")
    core = lines[0] + "".join("\n" + (indent_text + line if line.strip() else "") for line in lines[1:])
    return prefix + quote + _encode_body(lead + core + trail, prefix, quote) + quote


def _split_translation(translation: str, english: list[str], is_format: bool) -> list[str]:
    """Cut a translation into as many pieces as the English concatenation had, at spaces, never in a field."""
    if len(english) == 1:
        return [translation]
    protected = [False] * (len(translation) + 1)
    for start, end in (_field_spans(translation) if is_format else []):
        for position in range(start + 1, end):
            protected[position] = True
    total = sum(len(piece) for piece in english) or 1
    cuts, consumed = [], 0
    spaces = [i + 1 for i, ch in enumerate(translation) if ch == " " and not protected[i + 1]]
    for piece in english[:-1]:
        consumed += len(piece)
        target = round(len(translation) * consumed / total)
        candidates = [i for i in spaces if i not in cuts and (not cuts or i > cuts[-1])]
        if not candidates:  # no space (e.g. Chinese): cut at the proportional character outside a field
            candidates = [i for i in range(1, len(translation)) if not protected[i] and (not cuts or i > cuts[-1])]
        cut = min(candidates, key=lambda i: abs(i - target)) if candidates else len(translation)
        cuts.append(cut)
    bounds = [0, *cuts, len(translation)]
    return [translation[bounds[i]: bounds[i + 1]] for i in range(len(english))]


def _render_strings(text: CodeText, translation: str) -> list[tuple[int, int, str]]:
    is_format = "python-brace-format" in text.flags or any("f" in _split_string(piece[2])[0].lower() for piece in text.pieces)
    english = [_decode_piece(piece[2], is_format) for piece in text.pieces]
    chunks = _split_translation(translation, english, is_format)
    out = []
    for (start, end, token_text), chunk in zip(text.pieces, chunks):
        prefix, quote, _body = _split_string(token_text)
        if is_format and "f" not in prefix.lower():
            if fields(chunk):
                prefix += "f"
            else:
                chunk = chunk.replace("{{", "{").replace("}}", "}")
        out.append((start, end, prefix + quote + _encode_body(chunk, prefix, quote) + quote))
    return out


def localise(source: str, texts: list[CodeText], translations: dict[tuple[str, str], str]) -> str:
    """``source`` with every text that has a translation replaced (English kept where none).

    ``translations`` maps (msgctxt, msgid) to the translation.

    Typical use::

        localise('print("done")', cell_texts('print("done")'), {("printed", "done"): "listo"})   # 'print("listo")'
    """
    replacements: list[tuple[int, int, str]] = []
    for text in texts:
        if text.kind == "program":
            start, end, quote = text.pieces[0]
            program = source[start:end]
            translated = localise(program, list(text.inner), translations)
            if translated != program:
                replacements.append((start, end, _encode_body(translated, "", quote)))
            continue
        translation = translations.get(text.key)
        if not translation:
            continue
        if text.context == "comment":
            start, end, _ = text.pieces[0]
            replacements.append((start, end, _render_comment(text, translation, source)))
        elif text.kind == "docstring":
            start, end, token_text = text.pieces[0]
            replacements.append((start, end, _render_docstring(text, translation, token_text)))
        else:
            replacements += _render_strings(text, translation)
    for start, end, new in sorted(replacements, reverse=True):
        source = source[:start] + new + source[end:]
    return source


# --------------------------------------------------------------------------- checking an edition against English


def compiles(source: str) -> bool:
    """True when a cell's Python (magics aside, top-level await allowed) compiles.

    Typical use::

        compiles("await x")   # True
    """
    python = python_source(source)
    if python is None:
        return True
    try:
        compile(python, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return False
    return True


def _string_groups(tokens):
    """Significant tokens with adjacent STRING tokens joined into one item; NL and comments dropped, directives kept."""
    items, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == tokenize.STRING:
            group = [token]
            index += 1
            while index < len(tokens) and tokens[index].type in (tokenize.STRING, tokenize.NL, tokenize.COMMENT):
                if tokens[index].type == tokenize.STRING:
                    group.append(tokens[index])
                elif tokens[index].type == tokenize.COMMENT and code_rules.is_directive(tokens[index].string):
                    break
                index += 1
            items.append(("STRING", group))
            continue
        if token.type == tokenize.COMMENT:
            if code_rules.is_directive(token.string):
                items.append(("COMMENT", token.string.rstrip()))
        elif token.type not in (tokenize.NL, tokenize.ENDMARKER):
            items.append((tokenize.tok_name[token.type], token.string))
        index += 1
    return items


def masked_tokens(source: str, texts: list[CodeText]) -> list[tuple]:
    """The tokens of ``source`` with the text of every translatable literal masked (fields kept).

    A string literal that ``texts`` (the English cell's texts) marks as
    translatable becomes ``("TEXT", is_f_string, fields)``; any other literal
    keeps its exact source; comments vanish except tool directives. Two cells
    whose masked tokens are equal differ only in translated text.

    Typical use::

        masked_tokens(edition_source, english_texts) == masked_tokens(english_source, english_texts)
    """
    python = python_source(source)
    if python is None:
        return [("CELL MAGIC", source)]
    items = []
    english_index = _string_positions(texts)
    position = 0
    for kind, value in _string_groups(_tokens(python)):
        if kind != "STRING":
            items.append((kind, value))
            continue
        position += 1
        text = english_index.get(position)
        joined = [token.string for token in value]
        if text is None:
            items.append(("STRING", tuple(joined)))
        elif text.kind == "program":
            items.append(("PROGRAM", tuple(masked_tokens(ast.literal_eval(joined[0]), list(text.inner)))))
        else:
            is_f = any("f" in _split_string(piece)[0].lower() for piece in joined) or "python-brace-format" in text.flags
            message = "".join(_decode_piece(piece, is_f) for piece in joined)
            items.append(("TEXT", is_f, tuple(sorted(fields(message).elements()))))
    return items


def _string_positions(texts: list[CodeText]) -> dict[int, CodeText]:
    """Translatable string groups of the English cell by their ordinal among all its string groups."""
    return {text.ordinal: text for text in texts if text.ordinal}
