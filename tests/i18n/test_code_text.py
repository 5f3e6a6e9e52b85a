"""Texts of code cells: what is extracted (code_rules), how translations go back into the code (code_text)."""

from __future__ import annotations

import ast
import textwrap

import pytest
from i18n_support import ROOT  # noqa: F401  (puts tools/ on sys.path)

from course_i18n import code_rules, code_text


def texts_of(source: str) -> list[tuple[str, str]]:
    return [(text.context, text.msgid) for text in code_text.flat(code_text.cell_texts(source))]


def localised(source: str, table: dict[tuple[str, str], str]) -> str:
    result = code_text.localise(source, code_text.cell_texts(source), table)
    assert code_text.compiles(result), result
    return result


def literal_value(source: str) -> str:
    """The value of the first string literal of a one-statement source."""
    node = next(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return node.value


# --------------------------------------------------------------------------- what is extracted


def test_comment_runs_and_inline_comments():
    """A run of full-line comments at one indentation is one message; an inline comment is one; tool directives are none."""
    source = textwrap.dedent('''\
        # NBVAL_IGNORE_OUTPUT
        # Header names are case-insensitive,
        # so we store them in lower case.
        x = 1   # one inline comment

        def f():
            # indented: its own run
            ### BEGIN SOLUTION
            return 2  # noqa: E501
            ### END SOLUTION
        # print(x)
        ''')
    assert texts_of(source) == [
        ("comment", "Header names are case-insensitive,\nso we store them in lower case."),
        ("comment", "one inline comment"),
        ("comment", "indented: its own run"),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('print("servers running")', [("printed", "servers running")]),
        ('print("hint:", explain(exc))', [("printed", "hint:")]),
        ('assert ok, "run the cell again."', [("assert message", "run the cell again.")]),
        ('raise ValueError(f"no reply after {attempts} attempts")', [("exception message", "no reply after {attempts} attempts")]),
        ('def f():\n    """Return the reply."""', [("docstring", "Return the reply.")]),
        ('ax.set(title="Latency (lower is better)", xlabel="clients")', [("plot label", "Latency (lower is better)"), ("plot label", "clients")]),
        ('ax.plot(x, y, label="thread per client", marker="o")', [("plot label", "thread per client")]),
        ('log.append(f"Server gave up waiting: {exc}")', [("string", "Server gave up waiting: {exc}")]),
        ('where = "loopback: this machine only"', [("string", "loopback: this machine only")]),
    ],
)
def test_roles_become_msgctxt(source, expected):
    """Where a literal sits decides its msgctxt: printed, assert/exception message, docstring, plot label, string."""
    assert texts_of(source) == expected


def test_quiz_values_but_not_keys():
    """Every value of a Quiz(...) is a quiz text; dict keys, identifiers and key names are not."""
    source = 'quiz = Quiz([{"text": "Which keys?", "options": ["Ctrl+S", "Shift+Enter", "none of them"], "answer": 1, "explanation": "AF_INET"}])'
    assert texts_of(source) == [("quiz", "Which keys?"), ("quiz", "none of them")]


def test_f_string_keeps_fields_verbatim_and_is_flagged():
    """An f-string's msgid is its literal text with fields as written ({{ }} too), flagged python-brace-format."""
    [text] = code_text.cell_texts('print(f"sent {len(data)} of {row[\'total\']:7d} {{not a field}}")')
    assert text.msgid == "sent {len(data)} of {row['total']:7d} {{not a field}}"
    assert "python-brace-format" in text.flags
    assert code_text.fields(text.msgid) == {"{len(data)}": 1, "{row['total']:7d}": 1}


def test_percent_format_is_flagged():
    """A %-format string is flagged python-format."""
    [text] = code_text.cell_texts('print("got %d bytes" % count)')
    assert text.flags == ("python-format",)


@pytest.mark.parametrize(
    "source",
    [
        'sock.sendall(b"Thank you for connecting")',                  # bytes
        'headers["sec-websocket-accept"]',                            # subscript
        'request = "GET /chat HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"',    # protocol data
        'print("Content-Type:", value)',                              # header name
        'print("HTTP ", http.client.HTTP_PORT)',                      # protocol token
        'url = "https://docs.python.org/3/library/socket.html"',      # URL
        'path = Path("/etc/services")',                               # path, in a call that addresses a file
        'print("INADDR_ANY       =", x)',                             # a label naming a variable
        'print("200 OK")',                                            # status line
        'message["From"] = "student@example.org"',                    # e-mail address, header key
        'WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"',    # constant
        'open("notes.txt", encoding="utf-8")',                        # file name, encoding
        'threading.Thread(target=f, name="lesson client thread")',    # keyword argument that is data
        'reply = widget.send("Grüße, 你好: TCP keeps every byte")',   # sample data in several languages
        'line.startswith("Got connection from")',                     # a compared prefix
        'x = "ok"',                                                   # one word is not a sentence
    ],
)
def test_code_and_data_stay_english(source):
    """Bytes, keys, protocol data, URLs, paths, identifiers, constants and compared strings are not extracted."""
    assert texts_of(source) == []


def test_compared_texts_stay_english_in_the_whole_notebook():
    """A text another cell compares (==, startswith, in; str or bytes) is not extracted anywhere in the notebook."""
    cells = [
        'conn.sendall("Thank you for connecting".encode("utf-8"))',
        'log.append(f"Got connection from {addr}")\nstory.append(f"B got {x!r} while A is still connected")',
        'print("a different sentence here")',
        'assert reply == b"Thank you for connecting"\nassert line.startswith("Got connection from")\nassert "while A is still connected" in story[1]',
    ]
    found = [[(t.context, t.msgid) for t in texts] for texts in code_text.notebook_texts(cells)]
    assert found == [[], [], [("printed", "a different sentence here")], []]
    # An assert message that only quotes a compared text is still a text.
    assert code_text.notebook_texts(['greeting = f"Hello {name}!"', 'assert g == f"Hello {name}!", f"should answer \'Hello {name}!\'"'])[1][0].msgid == (
        "should answer 'Hello {name}!'"
    )


def test_magics_and_top_level_await():
    """Cells with IPython line magics and top-level await are read; a cell magic (%%) has no texts."""
    assert texts_of('%time x = 1\nreply = await ws.recv()  # waits for the server') == [("comment", "waits for the server")]
    assert texts_of('%%bash\necho "a shell sentence here"') == []


def test_program_inside_a_string_has_its_own_texts():
    """A Python program written in a triple-quoted string gives its comments and printed texts, not the whole string."""
    source = "SERVER_PY = '''\\\n# server.py: the greeting server\nprint(\"Listening on port\", port, flush=True)\n'''\n"
    assert texts_of(source) == [("comment", "server.py: the greeting server"), ("printed", "Listening on port")]
    result = localised(source, {("comment", "server.py: the greeting server"): "server.py: el servidor 'de' saludo",
                                ("printed", "Listening on port"): 'Escuchando en el "puerto\\'})
    program = literal_value(result)
    assert program.startswith("# server.py: el servidor 'de' saludo\n")
    assert literal_value(program.splitlines()[1]) == 'Escuchando en el "puerto\\'


def test_rules_live_in_one_module():
    """The exceptions (what stays English) are data of code_rules, named in its docstring."""
    for name in ("DENIED_CALLS", "KEEP_ENGLISH", "DIRECTIVES", "PROTOCOL_WORDS", "is_code_or_data"):
        assert hasattr(code_rules, name) and name in code_rules.__all__
    assert code_rules.is_code_or_data("requests", "quiz")  # a package name offered as a quiz option
    assert not code_rules.is_code_or_data("Nowhere: '' is an error", "quiz")


# --------------------------------------------------------------------------- translations back into the code


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ('print("done")', 'it\'s "done" \\ really'),
        ("print('done')", 'c\'est "fini" \\'),
        ('print(f"sent {n} bytes")', 'enviados "{n}" bytes \\o/'),
        ('print(r"a raw text here")', "un texto 'crudo'"),
        ('print("""a long text""")', 'un texto que termina con "'),
        ('print("line one\\nline two")', "línea uno\nlínea dos"),
    ],
)
def test_translation_with_quotes_and_backslashes_is_valid_python(source, translation):
    """Any quote or backslash in a translation gives valid Python whose value is exactly the translation."""
    [text] = code_text.cell_texts(source)
    result = localised(source, {text.key: translation})
    if "f" in source.split("(")[1][:2]:
        assert result.count("{n}") == 1 and "enviados" in result
    else:
        assert literal_value(result) == translation


def test_raw_string_that_cannot_hold_the_translation_fails_clearly():
    """A raw string cannot hold both quote characters: the build stops with a message instead of writing broken code."""
    [text] = code_text.cell_texts('print(r"a raw text here")')
    with pytest.raises(ValueError, match="raw string"):
        code_text.localise('print(r"a raw text here")', [text], {text.key: "both ' and \" here"})


def test_comment_block_is_re_emitted_with_its_indentation():
    """A translated comment run gets '# ' and the original indentation on every line, however many lines it has."""
    source = "if x:\n    # first line\n    # second line\n    y = 1  # inline\n"
    table = {("comment", "first line\nsecond line"): "una\ndos\ntres", ("comment", "inline"): "en línea\nsin salto"}
    assert localised(source, table) == "if x:\n    # una\n    # dos\n    # tres\n    y = 1  # en línea sin salto\n"


def test_docstring_is_re_indented():
    """A multi-line docstring keeps its quotes, its indentation and its closing line."""
    source = 'def ask():\n    """Send until the echo comes.\n\n    Raises TimeoutError.\n    """\n'
    [text] = code_text.cell_texts(source)
    assert text.msgid == "Send until the echo comes.\n\nRaises TimeoutError."
    result = localised(source, {text.key: "Envía hasta que llega el eco.\n\nLanza TimeoutError."})
    assert result == 'def ask():\n    """Envía hasta que llega el eco.\n\n    Lanza TimeoutError.\n    """\n'


def test_implicit_concatenation_is_one_message_split_back():
    """Adjacent literals are one message; the translation is cut back into as many literals, fields intact."""
    source = 'assert ok, (\n    "The server should answer B; "\n    f"does {name} start a thread?"\n)\n'
    [text] = code_text.cell_texts(source)
    assert text.msgid == "The server should answer B; does {name} start a thread?"
    result = localised(source, {text.key: "El servidor debería responder a B; ¿inicia {name} un hilo?"})
    assert result.count('"') == 4 and "{name}" in result and result.count("\n") == source.count("\n")


def test_missing_translation_keeps_english():
    """Without a translation the cell stays exactly as in English (the pipeline works while translation is in progress)."""
    source = 'print("servers running")  # how many\n'
    assert code_text.localise(source, code_text.cell_texts(source), {}) == source


# --------------------------------------------------------------------------- masking: an edition cannot change code


@pytest.mark.parametrize(
    "changed",
    [
        'print(f"sent {count} bytes", flush=True)  # enviado\n',      # a field changed
        'print(f"sent {n} bytes", flush=False)  # enviado\n',         # code changed
        'print(f"sent {n} bytes", flush=True, sep="-")  # enviado\n',  # a token added
        'print(f"sent {n} bytes", flush=True)\n# NBVAL_SKIP\n',      # a directive added
    ],
)
def test_masked_tokens_catch_any_change_but_text(changed):
    """Masking hides only translatable text: a changed field, token or directive makes the cells differ."""
    english = 'print(f"sent {n} bytes", flush=True)  # sent\n'
    texts = code_text.cell_texts(english)
    translated = 'print(f"enviados {n} bytes", flush=True)  # enviado\n'
    assert code_text.masked_tokens(translated, texts) == code_text.masked_tokens(english, texts)
    assert code_text.masked_tokens(changed, texts) != code_text.masked_tokens(english, texts)


def test_masked_tokens_keep_data_strings_exact():
    """A literal that is not a text (protocol data) must stay byte for byte: changing it shows."""
    english = 'sock.sendall(b"EHLO")\nrequest = "GET / HTTP/1.1\\r\\n"\n'
    texts = code_text.cell_texts(english)
    assert code_text.masked_tokens(english.replace("HTTP/1.1", "HTTP/1.0"), texts) != code_text.masked_tokens(english, texts)
