"""When a test fails, show the student the exchange that failed: a diagram and a sentence.

A visible test of a client or server exercise wraps its checks in one
``with`` line. On success nothing is shown. On any error inside the block
(``AssertionError``, ``TimeoutError``, ``OSError`` ...) the context manager

- displays the sequence diagram of the connections opened *inside the block*
  (an SVG through IPython's display machinery, so JupyterLab, a static render
  and nbgrader's feedback page show it; plain text outside IPython), and
- adds the summary sentence to the error as a note (``BaseException.add_note``),
  which IPython prints under the error line, and which the course's feedback
  preprocessor keeps for a failed visible test,

then lets the original error go on, unchanged in type and message. Whatever
goes wrong while drawing is swallowed (the student's own error is the one that
matters), and drawing is bounded in time.

Connections made before the block (by an earlier test, hidden or not) never
appear: the block remembers how many connections each server had when it began.

Typical use (a visible test)::

    with helpers.echo_server() as server:
        with helpers.show_exchange_on_failure(server):
            assert echo_roundtrip(server.address, b"ping") == b"ping"
"""

from __future__ import annotations

import sys
import threading
import time

from .messages import _
from .timeline import CLIENT, CLOSE, FIN, RST, TIMEOUT, Event

__all__ = ["show_exchange_on_failure", "ShowExchangeOnFailure", "EXCHANGE_METADATA", "DRAW_TIMEOUT", "SETTLE_SECONDS"]

#: Marks the display output (``output.metadata``) so the feedback preprocessor can keep it and nothing else.
EXCHANGE_METADATA = {"socket_course": {"exchange": True}}
#: Seconds the servers get to record what the failure caused (the client's close reaching the server).
SETTLE_SECONDS = 0.1
#: Seconds drawing may take at most; past that nothing is shown and the error goes on.
DRAW_TIMEOUT = 2.0
#: Connections drawn at most per server (the newest).
MAX_CONNECTIONS = 3
#: A close recorded this close to the failure (seconds) was caused by it (the student's ``with`` closing the socket).
CAUSED_BY_FAILURE = 0.5


class ShowExchangeOnFailure:
    """The context manager behind ``helpers.show_exchange_on_failure``; see the module docstring.

    Typical use::

        with helpers.show_exchange_on_failure(server, run):
            ...
    """

    def __init__(self, *sources):
        if not sources:
            raise TypeError("show_exchange_on_failure() needs the server or run whose exchange it should draw")
        self.sources = [source for source in sources if source is not None]
        self._start: list[int] = []

    def __enter__(self):
        self._start = [_opened(source) for source in self.sources]
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, Exception):  # success, or KeyboardInterrupt / SystemExit: nothing to add
            return False
        try:
            self._show(exc)
        except BaseException:  # noqa: BLE001 - a broken trace (or an interrupt while drawing) never hides the student's error
            pass
        return False  # never swallow the error

    # -- internals ---------------------------------------------------------
    def _show(self, exc: Exception) -> None:
        if getattr(exc, "_socket_course_exchange_shown", False):  # nested blocks: once is enough
            return
        exc._socket_course_exchange_shown = True
        failed_at = time.monotonic()
        time.sleep(SETTLE_SECONDS)
        result: list = []

        def draw():
            try:
                result.append(self._draw(exc, failed_at))
            except Exception:  # noqa: BLE001 - nothing to show then
                pass

        worker = threading.Thread(target=draw, name="helpers-failure-trace", daemon=True)
        worker.start()
        worker.join(DRAW_TIMEOUT)
        if not result:  # too slow or broken: the error alone
            return
        pictures, sentences = result[0]
        if not pictures:
            return
        _display(pictures)
        exc.add_note(_("The exchange (shown above): {summary}", summary=" ".join(sentences)))

    def _draw(self, exc: Exception, failed_at: float) -> tuple[list[tuple[str, str]], list[str]]:
        """(svg, text) of each source's trace and its summary, computed off the main thread."""
        pictures, sentences = [], []
        pairs = [(_block_trace(source, start), source) for source, start in zip(self.sources, self._start)]
        pairs = [(trace, source) for trace, source in pairs if trace is not None]
        shown = [pair for pair in pairs if pair[0].connections] or pairs[:1]
        for trace, source in shown:
            if isinstance(exc, TimeoutError) and trace.student == CLIENT:
                _note_client_gave_up(trace, failed_at - source.timeline.start)
            pictures.append((trace.svg(), trace.text()))
            sentences.append(trace.summary())
        return pictures, sentences


def show_exchange_on_failure(*sources) -> ShowExchangeOnFailure:
    """If the block fails, show the exchange with ``sources`` (helper servers, ``run_server`` runs) and explain it.

    Only connections opened inside the block are drawn. The error keeps its
    type and message; the summary is added as a note. On success nothing is shown.

    Typical use::

        with helpers.greeting_server(message="hi") as server:
            with helpers.show_exchange_on_failure(server):
                assert fetch_greeting(server.address) == "hi"
    """
    return ShowExchangeOnFailure(*sources)


def _opened(source) -> int:
    try:
        return int(source.timeline.opened)
    except Exception:  # noqa: BLE001 - not a traced source: it shows nothing
        return sys.maxsize


def _block_trace(source, start: int):
    """``source``'s trace restricted to the connections opened after ``start`` (the block's own), newest last."""
    from .trace import Trace

    full = source.trace(last=None)
    own = [view for view in full.connections if view.number > start]
    shown = own[-MAX_CONNECTIONS:]
    return Trace(
        shown, server_label=full.server_label, server_address=full.server_address, student=full.student,
        times=True, not_shown=len(own) - len(shown),
    )


def _note_client_gave_up(trace, failed_at: float) -> None:
    """Put a "timeout" note on the client's lifeline of the newest TCP connection: the test saw its TimeoutError.

    The note goes where the client stopped waiting: before the closes that the
    failure itself caused (the student's ``with`` closing the socket), after
    the last event before them; its seconds are the silence it waited through.
    """
    if not trace.connections or trace.connections[-1].transport != "tcp":
        return
    view = trace.connections[-1]
    events = view.events
    cut = len(events)
    while cut > 0 and events[cut - 1].kind in (FIN, CLOSE, RST) and events[cut - 1].time >= failed_at - CAUSED_BY_FAILURE:
        cut -= 1
    if cut == 0:
        return
    last = events[cut - 1]
    when = events[cut].time if cut < len(events) else failed_at
    waited = round(max(0.0, when - last.time), 1)
    events.insert(cut, Event(when, TIMEOUT, CLIENT, detail=waited))
    counts = dict(view.counts)
    counts[(TIMEOUT, CLIENT)] = counts.get((TIMEOUT, CLIENT), 0) + 1
    trace.connections[-1] = view._replace(events=events, counts=counts)


def _display(pictures) -> None:
    """Show each picture: an SVG (with its text as fallback) in IPython, the text elsewhere."""
    shell = None
    ipython = sys.modules.get("IPython")
    if ipython is not None:
        try:
            shell = ipython.get_ipython()
        except Exception:  # noqa: BLE001
            shell = None
    if shell is None:
        for _svg, text in pictures:
            print(text)
        return
    from IPython.display import display

    for svg, text in pictures:
        display({"image/svg+xml": svg, "text/plain": text}, raw=True, metadata=dict(EXCHANGE_METADATA))
