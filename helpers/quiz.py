"""A small multiple-choice quiz for the end of a lesson.

In JupyterLab the quiz shows as radio buttons with a "Check" button that gives
feedback per question. Without widgets (a plain console, nbval, a screen
reader) the text form lists every question and its options, and
``quiz.check(...)`` marks typed answers, so the self-check never depends on
widget state.

The quiz's own words ("Check", "Correct!", "Score") come from the helpers'
catalog; the questions are shown as written: an edition's quiz cell already
holds them in its language (the course build translates code cells).

Typical use::

    from helpers.quiz import Quiz
    quiz = Quiz([
        {"text": "Which type is TCP?", "options": ["SOCK_DGRAM", "SOCK_STREAM"],
         "answer": 1, "explanation": "A stream of bytes, in order."},
    ])
    quiz                      # widget in JupyterLab, text elsewhere
    quiz.check("b")           # Score: 1/1
"""

from __future__ import annotations

import html
import string
from dataclasses import dataclass

from .messages import _

__all__ = ["Question", "Quiz", "QuizResult"]

_LETTERS = string.ascii_lowercase
#: What a student may type for "no answer yet".
_BLANKS = (None, "", "?", "_")


@dataclass(frozen=True)
class Question:
    """One question: its text, the options, the index of the right option and why it is right."""

    text: str
    options: tuple[str, ...]
    answer: int
    explanation: str = ""

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))
        if not self.text or not isinstance(self.text, str):
            raise ValueError(_("A quiz question needs its text as a non-empty string."))
        if len(self.options) < 2 or len(self.options) > len(_LETTERS):
            raise ValueError(_("A quiz question needs between 2 and 26 options: {text}", text=self.text))
        if isinstance(self.answer, bool) or not isinstance(self.answer, int) or not 0 <= self.answer < len(self.options):
            raise ValueError(
                _("The answer must be the index of one option (0 to {last}): {text}", last=len(self.options) - 1, text=self.text)
            )

    @classmethod
    def make(cls, item) -> "Question":
        """Build a Question from a Question, a dict or a (text, options, answer[, explanation]) tuple.

        Typical use::

            Question.make({"text": "2 + 2?", "options": ["3", "4"], "answer": 1})
        """
        if isinstance(item, cls):
            return item
        if isinstance(item, dict):
            return cls(**item)
        return cls(*item)


def letter(index: int) -> str:
    """``0`` -> ``"a"``: the label students see and may type.

    Typical use::

        letter(2)   # -> "c"
    """
    return _LETTERS[index]


@dataclass(frozen=True)
class QuizResult:
    """The marks for one set of answers; its text shows feedback per question and the score."""

    questions: tuple[Question, ...]
    answers: tuple[int | None, ...]

    @property
    def marks(self) -> tuple[bool, ...]:
        """True for each question answered correctly."""
        return tuple(given == question.answer for question, given in zip(self.questions, self.answers))

    @property
    def score(self) -> int:
        """How many answers are right."""
        return sum(self.marks)

    @property
    def total(self) -> int:
        """How many questions there are."""
        return len(self.questions)

    @property
    def passed(self) -> bool:
        """True when every answer is right."""
        return self.score == self.total

    def feedback(self, number: int) -> str:
        """The one-line feedback for question ``number`` (1-based)."""
        question, given = self.questions[number - 1], self.answers[number - 1]
        if given is None:
            return _("Not answered yet.")
        if given == question.answer:
            return (_("Correct!") + " " + question.explanation).strip()
        return _("Try again.")

    def score_line(self) -> str:
        """E.g. "Score: 2/3"."""
        return _("Score: {score}/{total}", score=self.score, total=self.total)

    def __str__(self) -> str:
        lines = [f"{number}. {self.feedback(number)}" for number in range(1, self.total + 1)]
        lines.append(self.score_line())
        return "\n".join(lines)

    __repr__ = __str__


class Quiz:
    """Multiple-choice questions with a widget, a stable text form, and ``check()`` for typed answers.

    Methods for the caller: ``check(answers)``, ``text()``, ``widget()``;
    attribute ``questions``. Displaying the quiz shows the widget with
    ``text()`` as its text fallback.

    Typical use::

        quiz = Quiz([("Which type is TCP?", ["SOCK_DGRAM", "SOCK_STREAM"], 1, "Streams are TCP.")])
        quiz               # the widget, or its text where widgets cannot show
        quiz.check("b")    # Score: 1/1
    """

    def __init__(self, questions, title: str | None = None):
        self.questions = tuple(Question.make(item) for item in questions)
        if not self.questions:
            raise ValueError(_("A quiz needs at least one question."))
        self.title = title
        self._widget = None
        self._choices = []
        self._feedback = []
        self._score = None

    # -- plain Python ----------------------------------------------------
    def check(self, answers) -> QuizResult:
        """Mark ``answers``: one per question, a letter ("b") or a 0-based index (1); "?" or None = no answer.

        A string of letters works too: ``"bac"``.

        Typical use::

            result = quiz.check("bac")
            print(result)              # feedback per question and "Score: 3/3"
            assert result.passed
        """
        given = list(answers)
        if len(given) != len(self.questions):
            raise ValueError(
                _(
                    "Give one answer per question: {expected} expected, {count} given.",
                    expected=len(self.questions),
                    count=len(given),
                )
            )
        return QuizResult(self.questions, tuple(self._index(value, question) for value, question in zip(given, self.questions)))

    @staticmethod
    def _index(value, question: Question) -> int | None:
        if isinstance(value, str):
            value = value.strip().lower()
        if value in _BLANKS:
            return None
        if isinstance(value, str) and len(value) == 1 and value in _LETTERS[: len(question.options)]:
            return _LETTERS.index(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(question.options):
            return value
        choices = ", ".join(_LETTERS[: len(question.options)])
        raise ValueError(_("{value!r} is not an option here; choose one of: {choices}.", value=value, choices=choices))

    def text(self) -> str:
        """The questions and their options as plain text (what shows without widgets).

        Typical use::

            print(quiz.text())
        """
        lines = [self.title] if self.title else []
        for number, question in enumerate(self.questions, start=1):
            lines.append(f"{number}. {question.text}")
            lines.extend(f"   {letter(index)}) {option}" for index, option in enumerate(question.options))
        lines.append(_("Choose one option per question and press Check, or run quiz.check(...) with your letters."))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    # -- widget ----------------------------------------------------------
    def widget(self):
        """The ipywidgets form (built once): radio buttons per question, a Check button, feedback.

        Typical use::

            display(quiz.widget())
        """
        if self._widget is None:
            self._widget = self._build()
        return self._widget

    def _build(self):
        import ipywidgets as widgets

        rows = []
        if self.title:
            rows.append(widgets.HTML(f"<b>{html.escape(self.title)}</b>"))
        for number, question in enumerate(self.questions, start=1):
            choice = widgets.RadioButtons(
                options=[(f"{letter(index)}) {option}", index) for index, option in enumerate(question.options)],
                value=None,
                layout=widgets.Layout(width="auto"),
            )
            feedback = widgets.HTML()
            self._choices.append(choice)
            self._feedback.append(feedback)
            rows.append(widgets.HTML(f"<b>{number}.</b> {html.escape(question.text)}"))
            rows.extend([choice, feedback])
        button = widgets.Button(description=_("Check"), button_style="primary", icon="check")
        button.on_click(lambda _button: self._show_marks())
        self._score = widgets.HTML()
        rows.extend([button, self._score])
        return widgets.VBox(rows)

    def _show_marks(self) -> QuizResult:
        result = self.check([choice.value for choice in self._choices])
        for number, (feedback, mark) in enumerate(zip(self._feedback, result.marks), start=1):
            colour = "green" if mark else "#b35900"
            feedback.value = f'<span style="color:{colour}">{html.escape(result.feedback(number))}</span>'
        self._score.value = f"<b>{html.escape(result.score_line())}</b>"
        return result

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_()
        bundle["text/plain"] = self.text()  # stable fallback; the widget view itself is never compared
        return bundle
