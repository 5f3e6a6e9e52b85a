"""Playwright steps for the course's widgets: the quiz, the echo widget, the socket stepper.

Each function takes the cell (a Locator) that shows the widget and acts as a
student would: it clicks radio buttons and buttons and types into text boxes,
then checks the text the widget shows back. The texts are the English ones of
helpers/quiz.py, helpers/echo_widget.py and helpers/stepper.py.

Typical use::

    cell = widget_cell(page, index)
    answer_quiz(cell, quiz_answers(source))
"""

from __future__ import annotations

import ast
import re

from playwright.sync_api import Locator, Page, expect

__all__ = ["widget_views", "widget_cell", "is_quiz", "quiz_answers", "answer_quiz", "use_echo_widget", "walk_stepper", "start_stepper_over"]


def widget_views(cell: Locator) -> Locator:
    """The rendered ipywidgets views in a cell's outputs (not their text fallback)."""
    return cell.locator(".jp-OutputArea-output .jupyter-widgets")


def widget_cell(page: Page, index: int) -> Locator:
    """Cell ``index`` (counting every cell, as in the .ipynb file) of the notebook in front."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def is_quiz(cell: Locator) -> bool:
    """True when the cell shows a quiz (radio buttons and a Check button)."""
    return cell.locator(".widget-radio-box").count() > 0 and _check_button(cell).count() == 1


def _check_button(cell: Locator) -> Locator:
    return cell.locator("button.widget-button", has_text=re.compile(r"^\s*Check\s*$"))


def _feedback(question: Locator) -> Locator:
    # The quiz lays out, per question: the question (HTML), the radio buttons, the feedback (HTML).
    return question.locator("xpath=following-sibling::*[1]")


def quiz_answers(source: str) -> list[int]:
    """The right option of each question, read from the ``Quiz([...])`` call in a cell's source.

    Questions are dicts with "answer" or (text, options, answer[, explanation]) tuples.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Quiz":
            questions = ast.literal_eval(node.args[0])
            return [item["answer"] if isinstance(item, dict) else item[2] for item in questions]
    raise LookupError("no Quiz([...]) call with literal questions in this cell")


def answer_quiz(cell: Locator, answers: list[int]) -> None:
    """Answer a quiz like a student: Check with no answer, with wrong answers, then with right ones.

    Each round changes every feedback line, so each ``expect`` waits for the
    kernel's reply to that very click.
    """
    questions = cell.locator(".widget-radio")
    expect(questions).to_have_count(len(answers))
    total = len(answers)
    check = _check_button(cell)
    score = cell.locator(".widget-html", has_text=re.compile(r"^\s*Score: "))
    feedback = [_feedback(questions.nth(number)) for number in range(total)]

    check.click()
    for line in feedback:
        expect(line).to_have_text("Not answered yet.")
    expect(score).to_have_text(f"Score: 0/{total}")

    for number, right in enumerate(answers):
        _choose(questions.nth(number).locator("input[type=radio]").nth(1 if right == 0 else 0))
    check.click()
    for line in feedback:
        expect(line).to_have_text("Try again.")
    expect(score).to_have_text(f"Score: 0/{total}")

    for number, right in enumerate(answers):
        _choose(questions.nth(number).locator("input[type=radio]").nth(right))
    check.click()
    for line in feedback:
        expect(line).to_have_text(re.compile(r"^Correct!"))
    expect(score).to_have_text(f"Score: {total}/{total}")


def _choose(radio: Locator, attempts: int = 3) -> None:
    """Click a radio button until it shows as checked.

    Playwright's ``check()`` fails at once ("did not change its state") when the
    widget's model update from the kernel re-renders the group just after the
    click; a student would simply click again, and so do we.
    """
    for attempt in range(attempts):
        radio.click()
        try:
            expect(radio).to_be_checked(timeout=2_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def use_echo_widget(cell: Locator, message: str) -> None:
    """Type ``message``, press Send, and expect the echo with both byte counts."""
    cell.locator(".widget-text input").fill(message)
    cell.locator("button.widget-button", has_text="Send").click()
    size = len(message.encode("utf-8"))
    expect(cell.locator(".widget-output")).to_contain_text(
        f"Sent {size} bytes, received {size} bytes: {message!r}"
    )


def walk_stepper(cell: Locator) -> int:
    """Press Next once per planned call; each step must show, none may show an error, the end says so.

    Returns the number of steps taken.
    """
    next_button = cell.locator("button.widget-button", has_text="Next")
    history = cell.locator("ol li")
    # Before the first step the stepper lists its plan: one <code> per call.
    plan = cell.locator(".widget-html").first.locator("code")
    expect(plan.first).to_be_visible()
    total = plan.count()
    for step in range(1, total + 1):
        next_button.click()
        expect(history).to_have_count(step)  # one more call listed: the step ran
    expect(cell).to_contain_text("Done: every socket is closed.")
    expect(next_button).to_be_disabled()
    expect(cell.locator(".widget-html b", has_text=re.compile(r"Error\b"))).to_have_count(0)
    return total


def start_stepper_over(cell: Locator) -> None:
    """Press Start over: the list of calls empties and Next works again."""
    cell.locator("button.widget-button", has_text="Start over").click()
    expect(cell.locator("ol li")).to_have_count(0)
    expect(cell.locator("button.widget-button", has_text="Next")).to_be_enabled()
