"""What a student does in JupyterLab, as Playwright steps (open, run all, read outputs, type).

Every wait is Playwright's own (locators, ``expect``, ``wait_for_function``)
with a timeout; nothing sleeps. Commands run by their id
(``notebook:run-all-cells``) through ``window.jupyterapp``, so the steps work
whatever the interface language is; what a student clicks (widgets, the
Validate button) is clicked.

Typical use::

    notebook = open_notebook(page, lab, "notebooks/en/04-tcp.ipynb")
    run_all_fresh(page)
    assert_no_errors(page)
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

__all__ = [
    "KERNEL_START_TIMEOUT",
    "open_notebook",
    "current_notebook",
    "wait_kernel_idle",
    "wait_all_cells_attached",
    "run_command",
    "run_all_fresh",
    "wait_run_finished",
    "error_outputs",
    "assert_no_errors",
    "code_cells",
    "set_cell_source",
]

#: Milliseconds a new kernel may take to report "idle" (2 busy cores, cold caches).
KERNEL_START_TIMEOUT = 60_000

# A traceback, or a line that starts with an exception name ("SyntaxError: ...").
_ERROR_PATTERN = r"Traceback \(most recent call last\)|^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b"

# True once every code cell of the visible notebook has an execution count and
# the kernel is idle; "error" as soon as an error output shows up (Run All stops there).
_RUN_STATE_JS = """
([pattern]) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return false;
  const errorLine = new RegExp(pattern, 'm');
  const stderr = panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
  if ([...stderr].some(e => errorLine.test(e.textContent))) return 'error';
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent.trim());
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const idle = indicator && indicator.dataset.status === 'idle';
  return Boolean(idle && prompts.length && prompts.every(p => /^\\[\\d+\\]:$/.test(p))) && 'done';
}
"""


def current_notebook(page: Page) -> Locator:
    """The notebook panel in front."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def wait_kernel_idle(page: Page, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Wait until the kernel of the notebook in front is connected and idle.

    The toolbar's indicator can say "idle" before the kernel's websocket is
    connected, and cells run then are lost; the session object knows better.
    """
    page.wait_for_function(
        """() => {
          const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          const kernel = widget && widget.sessionContext && widget.sessionContext.session
            && widget.sessionContext.session.kernel;
          return Boolean(kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle');
        }""",
        timeout=timeout,
    )


def open_notebook(page: Page, lab, path: str, timeout: float = KERNEL_START_TIMEOUT) -> Locator:
    """Open ``path`` (relative to the server root) in a fresh workspace and wait for an idle kernel."""
    page.goto(lab.url(f"lab/tree/{path}", reset=""))
    notebook = current_notebook(page)
    expect(notebook.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=timeout)
    wait_all_cells_attached(page, timeout)
    wait_kernel_idle(page, timeout)
    return notebook


def wait_all_cells_attached(page: Page, timeout: float = KERNEL_START_TIMEOUT) -> None:
    """Wait until every cell of the notebook's model has its element in the page.

    JupyterLab attaches the cells of a long notebook a few at a time; counting
    them any earlier counts only some of them.
    """
    page.wait_for_function(
        """() => {
          const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          const model = widget && widget.content && widget.content.model;
          if (!model) return false;
          const cells = widget.node.querySelectorAll('.jp-Notebook .jp-Cell').length;
          return model.cells.length > 0 && cells === model.cells.length;
        }""",
        timeout=timeout,
    )


def run_command(page: Page, command: str, args: dict | None = None, timeout: float = 30_000):
    """Run a JupyterLab command by id (``notebook:run-all-cells``) and return its result.

    The test server exposes the application as ``window.jupyterapp``; a command
    id does not depend on the interface language or on menu layout.
    """
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=timeout)
    return page.evaluate(
        "async ([id, args]) => { const r = await window.jupyterapp.commands.execute(id, args); "
        "return (r === undefined || r === null || typeof r !== 'object') ? r ?? null : null; }",
        [command, args or {}],
    )


def code_cells(page: Page) -> Locator:
    """The code cells of the notebook in front, in order."""
    return current_notebook(page).locator(".jp-Notebook .jp-CodeCell")


def run_all_fresh(page: Page, timeout: float = 180_000) -> None:
    """Clear every output (prompts become ``[ ]``), Run All, and wait until every cell has run."""
    run_command(page, "notebook:clear-all-cell-outputs")
    # Every code cell's prompt reads "[ ]", counted in the page each time: a count taken once can be
    # stale while JupyterLab still attaches the last cells of a long notebook.
    page.wait_for_function(
        """() => {
          const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
          const prompts = [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')];
          return prompts.length > 0 && prompts.every((prompt) => prompt.textContent.includes('[ ]'));
        }""",
        timeout=15_000,
        polling=250,
    )
    run_command(page, "notebook:run-all-cells")
    wait_run_finished(page, timeout)


def wait_run_finished(page: Page, timeout: float = 180_000) -> str:
    """Wait until every code cell has an execution count and the kernel is idle, or an error shows.

    Returns "done" or "error"; ``assert_no_errors`` then says which cell failed.
    """
    # Checked four times a second, not every frame: the kernel needs the CPU more.
    handle = page.wait_for_function(_RUN_STATE_JS, arg=[_ERROR_PATTERN], timeout=timeout, polling=250)
    return handle.json_value()


def error_outputs(page: Page) -> list[dict]:
    """Error outputs of the notebook in front: ``[{"cell": index, "prompt": "[3]:", "text": ...}]``."""
    return page.evaluate(
        """
        ([pattern]) => {
          const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
          const errorLine = new RegExp(pattern, 'm');
          const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
          const found = [];
          cells.forEach((cell, index) => {
            for (const out of cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
              if (errorLine.test(out.textContent)) {
                const prompt = cell.querySelector('.jp-InputArea-prompt');
                found.push({cell: index, prompt: prompt ? prompt.textContent : '', text: out.textContent.slice(-1500)});
              }
            }
          });
          return found;
        }
        """,
        [_ERROR_PATTERN],
    )


def assert_no_errors(page: Page) -> None:
    """Fail with the cell number and the end of the traceback if any cell shows an error."""
    errors = error_outputs(page)
    assert not errors, "error output in the notebook:\n" + "\n\n".join(
        f"cell {e['cell']} {e['prompt']}\n{e['text']}" for e in errors
    )


def set_cell_source(page: Page, cell: Locator, source: str) -> None:
    """Replace the text of ``cell`` with ``source`` exactly (no auto-indent, no auto-closed brackets)."""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    # insert_text is one input event: CodeMirror takes the text as typed, without
    # the indentation and bracket-closing that key-by-key typing would trigger.
    page.keyboard.insert_text(source)
    expect(cell.locator(".cm-content")).to_have_text(_rendered(source), use_inner_text=True)


def _rendered(source: str) -> str:
    # CodeMirror renders each line as a div; innerText joins them with newlines.
    return source.rstrip("\n")
