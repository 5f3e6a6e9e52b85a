"""The multiple-choice quiz: text fallback, check(), the widget and translated labels."""

from __future__ import annotations

import polib
import pytest

from helpers import messages
from helpers.messages import set_language
from helpers.quiz import Question, Quiz

QUESTIONS = [
    {
        "text": "Which type gives a reliable stream of bytes?",
        "options": ["SOCK_DGRAM", "SOCK_STREAM", "SOCK_RAW"],
        "answer": 1,
        "explanation": "SOCK_STREAM is TCP.",
    },
    ("Which host string means every interface?", ["'<broadcast>'", "''"], 1, "The empty string is INADDR_ANY."),
    Question("What does port 0 ask for?", ("Port zero", "Any free port"), 1),
]


@pytest.fixture
def quiz():
    return Quiz(QUESTIONS, title="Sockets")


def test_text_lists_every_question_and_option_with_letters(quiz):
    """The text form shows the title, each numbered question and its options as a), b), c)."""
    text = quiz.text()
    assert text.splitlines()[:5] == [
        "Sockets",
        "1. Which type gives a reliable stream of bytes?",
        "   a) SOCK_DGRAM",
        "   b) SOCK_STREAM",
        "   c) SOCK_RAW",
    ]
    assert "   b) ''" in text and "3. What does port 0 ask for?" in text
    assert repr(quiz) == text


def test_text_is_the_same_for_every_copy_of_a_quiz():
    """Two quizzes built from the same questions have identical text (stable stored outputs)."""
    assert Quiz(QUESTIONS).text() == Quiz(list(QUESTIONS)).text()


def test_check_accepts_letters_indexes_and_a_string(quiz):
    """check() marks letters, 0-based indexes and a string of letters the same way."""
    for answers in (["b", "b", "b"], [1, 1, 1], "bbb", ["B", " b ", 1]):
        result = quiz.check(answers)
        assert (result.score, result.total, result.passed) == (3, 3, True)


def test_check_reports_wrong_and_missing_answers(quiz):
    """A wrong answer says "Try again.", a blank one "Not answered yet.", and the score counts only right ones."""
    result = quiz.check(["b", "a", "?"])
    assert result.marks == (True, False, False)
    assert str(result).splitlines() == [
        "1. Correct! SOCK_STREAM is TCP.",
        "2. Try again.",
        "3. Not answered yet.",
        "Score: 1/3",
    ]
    assert not result.passed


def test_check_rejects_answers_it_cannot_mark(quiz):
    """Too few answers, or a letter that is not an option, raise ValueError with a clear message."""
    with pytest.raises(ValueError, match="3 expected, 2 given"):
        quiz.check("bb")
    with pytest.raises(ValueError, match="choose one of: a, b, c"):
        quiz.check("zbb")
    with pytest.raises(ValueError, match="choose one of: a, b"):
        quiz.check([1, 5, 1])


@pytest.mark.parametrize(
    "bad",
    [
        {"text": "Q?", "options": ["only one"], "answer": 0},
        {"text": "Q?", "options": ["a", "b"], "answer": 2},
        {"text": "Q?", "options": ["a", "b"], "answer": True},
        {"text": "", "options": ["a", "b"], "answer": 0},
    ],
)
def test_a_broken_question_is_refused(bad):
    """A question with too few options, an answer out of range or no text raises ValueError."""
    with pytest.raises(ValueError):
        Quiz([bad])


def test_check_button_shows_feedback_for_each_question(quiz):
    """Pressing Check in the widget marks each chosen option and shows the score line."""
    form = quiz.widget()
    assert quiz.widget() is form
    radios = quiz._choices
    radios[0].value, radios[1].value = 1, 0  # right, wrong; the third stays unanswered
    button = next(child for child in form.children if getattr(child, "description", None) == "Check")
    button.click()
    feedback = [html.value for html in quiz._feedback]
    assert "Correct! SOCK_STREAM is TCP." in feedback[0]
    assert "Try again." in feedback[1]
    assert "Not answered yet." in feedback[2]
    assert "Score: 1/3" in quiz._score.value


def test_widget_escapes_question_text():
    """Question text such as '<broadcast>' is shown literally, not read as HTML."""
    form = Quiz([("Is '<broadcast>' a host?", ["yes", "no"], 0)]).widget()
    assert any("&lt;broadcast&gt;" in getattr(child, "value", "") for child in form.children)


def test_display_bundle_is_the_widget_with_the_text_fallback(quiz):
    """Displaying a quiz gives a widget view plus the stable text as text/plain."""
    bundle = quiz._repr_mimebundle_()
    assert bundle["text/plain"] == quiz.text()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == quiz.widget().model_id


def test_labels_follow_the_course_language(tmp_path, monkeypatch):
    """With a Spanish catalog, the Check button, feedback and score line appear in Spanish."""
    catalog = polib.POFile()
    for english, spanish in [
        ("Check", "Comprobar"),
        ("Correct!", "¡Correcto!"),
        ("Try again.", "Inténtalo de nuevo."),
        ("Score: {score}/{total}", "Puntuación: {score}/{total}"),
    ]:
        catalog.append(polib.POEntry(msgid=english, msgstr=spanish))
    (tmp_path / "es").mkdir()
    catalog.save(str(tmp_path / "es" / "helpers.po"))
    monkeypatch.setattr(messages, "CATALOG_DIR", tmp_path)
    messages._translations.cache_clear()
    try:
        set_language("es")
        quiz = Quiz(QUESTIONS[:2])
        assert str(quiz.check("ba")).splitlines() == ["1. ¡Correcto! SOCK_STREAM is TCP.", "2. Inténtalo de nuevo.", "Puntuación: 1/2"]
        assert any(getattr(child, "description", None) == "Comprobar" for child in quiz.widget().children)
    finally:
        messages._translations.cache_clear()
