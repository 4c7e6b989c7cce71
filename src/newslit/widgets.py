"""Answer forms built from ipywidgets that record their answers in the notebook's own source.

How recording works (the "self-recording literal"): a form cell looks like

    labels = ask("ex1-labels", ITEMS, recorded=None)

and the clicked answers are written into the cell itself, replacing ``recorded=None`` with a dict
literal, so they live in the saved ``.ipynb``: nbgrader grades them from the file alone, and they
survive a kernel restart, Run All and a page reload. Two paths write the literal:

- on every click, in JupyterLab 4 and Notebook 7: the form sends the cell's new source over a comm
  (target ``newslit.recorder``) to the newslit-recorder front-end extension (labextension/), which
  rewrites that cell in the notebook and acks; the form marks each answer recorded only after the ack;
- elsewhere (no extension: VS Code, Colab, extension disabled), by re-running the cell (Shift+Enter):
  until then the form says NOT RECORDED YET beside each changed item, at its top and on its status line.

Students may also type or edit the dict by hand: an edited literal always wins over older clicks.
"""

from __future__ import annotations

import ast
import html
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from IPython import get_ipython
from IPython.display import display

from newslit.answers import LABEL_ALIASES, AnswerError, near_id, normalize_text, parse_number
from newslit.grading import plain

CHOOSE = "— choose —"
RECORDER = "newslit.recorder"  # the comm target of the front-end extension


@dataclass(frozen=True)
class Item:
    """One question in a form: a choice among ``options`` or a free ``text``/``number`` entry."""

    id: str
    prompt: str  # HTML shown above the control
    kind: str = "choice"  # "choice" | "text" | "number"
    options: tuple = ()
    placeholder: str = ""


# Called as listener(form) when a form is drawn and whenever its answers change (newslit.check redraws its checks).
ON_CHANGE: list[Callable[[Form], None]] = []


def grading_run() -> bool:
    """True while nbgrader executes the notebook (autograde / validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


class Form:
    """The widgets of one question; ``values()`` are the answers currently shown.

    ``literal`` is what the cell's ``recorded=`` holds, ``answers`` the dict ``ask`` returned (kept
    equal to ``literal``), ``link`` the line to the front end that rewrites the cell (or None).
    """

    def __init__(self, qid: str, items: list[Item], recorded: dict, feedback: Callable | None,
                 link: CellLink | None = None, answers: dict | None = None):
        import ipywidgets as w  # here, not at the top: grading runs build no form and skip the import

        self.qid, self.items, self.feedback, self.link = qid, list(items), feedback, link
        self.literal, self.answers = dict(recorded), answers if answers is not None else dict(recorded)
        self.controls, self.notes, self.marks = {}, {}, {}
        rows = []
        for item in self.items:
            control = self._control(item, recorded.get(item.id))
            note, mark = w.HTML(), w.HTML()
            control.observe(lambda change, i=item.id: self._changed(i), names="value")
            self.controls[item.id], self.notes[item.id], self.marks[item.id] = control, note, mark
            rows.append(w.VBox([w.HTML(item.prompt), w.HBox([control, mark]), note],
                               layout=w.Layout(margin="0 0 12px 0")))
        self.banner, self.status = w.HTML(), w.HTML()
        self.box = w.VBox([self.banner, *rows, self.status])
        self.box.add_class("nl-form")
        self.box.add_class(f"nl-form-{qid}")
        self.initial = self.values()
        self.sent: dict[int, tuple[dict, dict]] = {}  # seq -> (literal, shown values) awaiting the ack
        self.acked = False  # True once the front end wrote into the cell
        self.invalid = {k: v for k, v in recorded.items() if k in self.controls and v is not None
                        and self._shown(k) is None}
        for item in self.items:
            self._note(item.id)
        if link is not None:
            link.on_reply = self._replied
        self._update_status()

    def _control(self, item: Item, value):
        import ipywidgets as w

        # The control's <label> (its accessible name) is the item id and the prompt as text; it is squeezed to
        # width 0 because the prompt is shown, with its markup, just above the control.
        label = dict(description=_label(item), style={"description_width": "0px"})
        if item.kind == "choice":
            c = w.Dropdown(options=[(CHOOSE, "")] + [(o, o) for o in item.options],
                           value=match_option(value, item.options) or "", **label, layout=w.Layout(width="max-content"))
        else:  # the value (and so the feedback) updates on Enter or Tab, not on every keystroke
            text = "" if value is None else str(value)
            c = w.Text(value=text, placeholder=item.placeholder, continuous_update=False, **label,
                       layout=w.Layout(width="40ch"))
        c.add_class(f"nl-{self.qid}-{item.id}")
        return c

    def _shown(self, item_id):
        v = self.controls[item_id].value
        if v in ("", None):
            return None
        item = next(i for i in self.items if i.id == item_id)
        if item.kind == "number":
            try:
                return parse_number(v)
            except AnswerError:
                return v  # shown as typed; the feedback or the check says what is wrong
        return v

    def show(self, item_id, value):
        """Put ``value`` in an item's control, as a click or typing would."""
        item = next(i for i in self.items if i.id == item_id)
        if item.kind == "choice":
            self.controls[item_id].value = match_option(value, item.options) or ""
        else:
            self.controls[item_id].value = "" if value is None else str(value)

    def values(self) -> dict:
        return {i.id: self._shown(i.id) for i in self.items if self._shown(i.id) is not None}

    def changed(self) -> list[str]:
        now = self.values()
        return [i.id for i in self.items if now.get(i.id) != self.initial.get(i.id)]

    def _changed(self, item_id):
        """An answer changed on screen: feedback, write it into the cell (when the front end can), status."""
        self._note(item_id)
        self._record()
        self._update_status()

    def connected(self) -> bool:
        """True when the front end rewrites this form's cell on each change (the extension answered)."""
        return self.link is not None and self.link.ready is True

    def _record(self):
        """Send the cell's source with every shown change in its literal; marked recorded on the ack."""
        if not self.connected():
            return
        now = self.values()
        literal = _merged(self.literal, {i: now.get(i) for i in self.changed()})
        source = replace_recorded(self.link.source, format_literal(literal, [i.id for i in self.items]))
        if source is not None:
            self.sent[self.link.write(source)] = (literal, now)

    def _replied(self, seq: int | None, ok: bool):
        """The front end answered: ready (seq None), or wrote (ok) or refused the write ``seq``."""
        if seq is None:
            if ok and self.changed():
                self._record()
        elif seq in self.sent:
            literal, shown = self.sent.pop(seq)
            if ok:
                self.literal, self.initial, self.acked = literal, shown, True
                self.answers.clear()
                self.answers.update(literal)
            else:
                self.sent.clear()
        self._update_status()

    def _note(self, item_id):
        value = self._shown(item_id)
        if item_id in self.invalid and value is None:
            self.notes[item_id].value = _msg("warn", f"The recorded answer {self.invalid[item_id]!r} is not one "
                                             "of the options; choose again or fix it in the cell.")
            return
        if self.feedback is None or value is None:
            self.notes[item_id].value = ""
            return
        check, why = self.feedback(item_id, value)
        tone = {"correct": "good", "accepted": "good"}.get(check.status, "bad" if check.status == "wrong" else "warn")
        self.notes[item_id].value = _msg(tone, check.message + (f" — {html.escape(why)}" if why else ""))

    def _update_status(self):
        """Per item, at the top and on the status line: which answers are in the notebook and which not yet."""
        for listener in ON_CHANGE:  # before the status, so that no early return skips them
            listener(self)
        pending = self.changed()
        answered = len(self.values())
        writing = self.connected() and bool(self.sent)
        shown = self.values()
        for item in self.items:
            if item.id in pending:
                self.marks[item.id].value = (_msg("info", "… writing into the cell") if writing else
                                             _msg("bad", "<b>⚠ NOT RECORDED YET</b>: re-run this cell"))
            elif item.id in shown:
                self.marks[item.id].value = _msg("good", "✓ recorded in the notebook")
            else:
                self.marks[item.id].value = ""
        if pending and not writing:
            why = f" ({self.link.reason})" if self.link is not None and self.link.reason else ""
            warning = (f"<b>⚠ NOT RECORDED YET</b>: {len(pending)} change(s) ({', '.join(pending)}){why}. "
                       "Re-run this cell (Shift+Enter) to record them in the notebook, then save.")
            self.banner.value = self.status.value = _msg("bad", warning)
            return
        self.banner.value = ""
        if pending:
            self.status.value = _msg("info", f"Writing {len(pending)} change(s) into this cell…")
            return
        missing = [i.id for i in self.items if i.id not in shown]
        saved = (" Each answer is written into this cell as you choose it; save the notebook (or wait for "
                 "autosave) to keep it on disk.") if self.connected() else ""
        self.status.value = _msg("good" if answered == len(self.items) else "info",
                                 f"Recorded in this cell: {answered} of {len(self.items)} answered."
                                 + (f" Not answered yet: {', '.join(missing)}." if missing else "") + saved)

    def close(self):
        if self.link is not None:
            self.link.close()
        self.box.close()
        for c in (*self.controls.values(), *self.notes.values(), *self.marks.values(), self.banner, self.status):
            c.close()


class CellLink:
    """A form's line to the newslit-recorder extension, which rewrites the form's cell in the notebook.

    ``ready`` is None until the front end answers, then True (it serves this cell) or False (no
    extension, cell not found, or a write refused: ``reason``). ``source`` is the cell's source once
    every write sent so far is applied.
    """

    def __init__(self, cell_id: str, source: str):
        self.source, self.ready, self.reason, self.seq, self.acked = source, None, "", 0, 0
        self.on_reply: Callable = lambda seq, ok: None
        self.comm = _open_comm(cell_id)
        self.comm.on_msg(self._message)
        self.comm.on_close(self._closed)

    @classmethod
    def for_running_cell(cls) -> CellLink | None:
        """A link for the cell being run, when the front end says which cell that is (Lab and Notebook 7 do)."""
        ip = get_ipython()
        parent = ip.get_parent() if ip is not None and hasattr(ip, "get_parent") else None
        cell_id = (parent or {}).get("metadata", {}).get("cellId")
        source = (parent or {}).get("content", {}).get("code")
        return cls(cell_id, source) if cell_id and isinstance(source, str) else None

    def write(self, source: str) -> int:
        """Ask the front end to change the cell from ``self.source`` to ``source``; returns the write's number."""
        self.seq += 1
        self.comm.send({"seq": self.seq, "expected": self.source, "source": source})
        self.source = source
        timer = threading.Timer(ACK_SECONDS, self._unanswered, args=(self.seq,))
        timer.daemon = True
        timer.start()
        return self.seq

    def _unanswered(self, seq: int):
        """No answer in time (the page was reloaded or closed): stop writing, so the form says NOT RECORDED YET."""
        if seq > self.acked and self.ready is True:
            self.ready, self.reason = False, UNANSWERED
            self.on_reply(seq, False)

    def _message(self, msg):
        data = msg["content"]["data"]
        if "ready" in data:
            self.ready = bool(data["ready"])
            self.reason = "" if self.ready else "this front end does not rewrite the cell"
            self.on_reply(None, self.ready)
        elif "seq" in data:
            self.acked = max(self.acked, data["seq"])
            if data.get("ok") and self.ready is False and self.reason == UNANSWERED:
                self.ready, self.reason = True, ""  # only slow: the page is there, so write what is pending again
                self.on_reply(None, True)
                return
            if not data.get("ok"):
                self.ready, self.reason = False, data.get("reason") or "the front end refused the write"
            self.on_reply(data["seq"], bool(data.get("ok")))

    def _closed(self, msg):
        if self.ready is not False:
            self.ready, self.reason = False, "this front end does not rewrite the cell"
            self.on_reply(None, False)

    def close(self):
        self.on_reply = lambda seq, ok: None
        self.comm.close()


# Seconds the front end has to confirm a write before the form says NOT RECORDED YET (a late answer undoes it).
ACK_SECONDS = 10.0
UNANSWERED = "the notebook page did not confirm the write; was it reloaded?"


def _open_comm(cell_id: str):
    """A comm to the front end's newslit-recorder, about the cell ``cell_id``."""
    import comm

    return comm.create_comm(target_name=RECORDER, data={"cell_id": cell_id})


@dataclass
class _Live:
    """The form on screen for a question: the literal its cell held, and the one it asked to write."""

    form: Form
    literal: dict
    written: dict | None = None  # set when the last run asked the front end to rewrite the cell


_LIVE: dict[str, _Live] = {}
_ITEMS: dict[str, dict[str, Item]] = {}


def match_option(value, options) -> str | None:
    """The option ``value`` names, ignoring case, spacing and quote style ('Opinion' -> 'opinion')."""
    if not isinstance(value, str):
        return None
    wanted = normalize_text(value)
    wanted = LABEL_ALIASES.get(wanted, wanted)
    return next((o for o in options if normalize_text(o) == wanted), None)


def item_options(qid: str, item_id: str) -> tuple:
    """The options of a choice item of a form that has run in this kernel (empty when unknown)."""
    item = _ITEMS.get(qid, {}).get(item_id)
    return item.options if item is not None and item.kind == "choice" else ()


def _label(item: Item) -> str:
    """The item id and its prompt as plain text (a control's accessible name)."""
    blocks = re.sub(r"</?(div|p|br)\b[^>]*>", " ", item.prompt)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", blocks)).split())
    return text if text.startswith(item.id) else f"{item.id}: {text}"


def _msg(tone: str, text: str) -> str:
    colour = {"good": "#1a7f37", "bad": "#b42318", "warn": "#9a6700", "info": "#444"}[tone]
    return f'<div role="status" style="color:{colour}">{text}</div>'


def _as_dict(recorded, qid) -> dict:
    if recorded is None:
        return {}
    if isinstance(recorded, dict) and plain(recorded):
        return dict(recorded)
    what = "a dict holding something other than text or numbers" if isinstance(recorded, dict) else \
        type(recorded).__name__
    print(f"{qid}: recorded= must be a dict like {{'c03': 'stated as fact'}} or None, not {what}; the form starts empty.")
    return {}


def ask(qid: str, items: list[Item], recorded=None, feedback: Callable | None = None) -> dict:
    """Show a form and return the recorded answers (a plain dict; autograde's ScoreItems grades the cell's literal).

    ``feedback(item_id, value) -> (Check, explanation)`` gives immediate feedback (practice items).
    """
    literal = _as_dict(recorded, qid)
    ids = [i.id for i in items]
    _ITEMS[qid] = {i.id: i for i in items}
    for k in literal:
        if k not in ids:
            near = near_id(k, ids)
            print(f"{qid}: {k!r} in recorded= is not an item of this form and is ignored by the grader"
                  + (f" (did you mean {near!r}?)" if near else f"; the items are {', '.join(ids)}") + ".")
    clicks, unsaved = {}, {}
    live = _LIVE.pop(qid, None)
    if live is not None:
        now = live.form.values()
        clicks = {i: now.get(i) for i in live.form.changed()}
        live.form.close()
        if live.form.acked:  # the extension wrote into the cell: it holds the form's literal
            live = _Live(live.form, live.form.literal)
        expected = live.literal if live.written is None else live.written
        if literal != expected and live.written is not None and literal == live.literal:
            # the front end did not rewrite the cell (some editors cannot): nothing is lost, but say what to do
            unsaved, clicks = _merged(live.written, clicks), {}
            print(f"⚠ {qid}: your answers were NOT written into this cell (your editor did not rewrite it). "
                  "Replace recorded=... in this cell with the line below, run the cell again and save:\n"
                  f"recorded={format_literal(unsaved, ids)}")
        elif literal != expected:  # edited by hand: what the student typed wins over unrecorded clicks
            dropped = [i for i, v in clicks.items() if v != literal.get(i)]
            if dropped:
                print(f"{qid}: you edited recorded= by hand, so what you typed wins; these clicks were not "
                      f"recorded and are dropped: {', '.join(dropped)}.")
            clicks = {}
    answers, written, source = literal, None, None
    if clicks:
        answers = written = _merged(literal, clicks)
        source = _rewrite_recorded(answers, ids)
    if grading_run():
        return answers
    link = CellLink.for_running_cell()
    if link is not None and source is not None:
        link.source = source  # the front end is asked to put this in the cell
    form = Form(qid, items, answers, feedback, link, answers)
    for item_id, value in unsaved.items():  # on screen again, flagged NOT RECORDED YET until recorded
        if value != answers.get(item_id):
            form.show(item_id, value)
    _LIVE[qid] = _Live(form, literal, written)
    display(form.box)
    return answers


def _merged(recorded: dict, changes: dict) -> dict:
    out = dict(recorded)
    for item_id, value in changes.items():
        if value is None:
            out.pop(item_id, None)
        else:
            out[item_id] = value
    return out


def live_form(qid: str) -> Form | None:
    """The form of question ``qid`` shown by the last run of its cell in this kernel, if any."""
    live = _LIVE.get(qid)
    return live.form if live else None


def unrecorded(qid: str) -> list[str]:
    """Items whose widgets were changed since the form cell last ran (empty when none or no form)."""
    form = live_form(qid)
    return form.changed() if form else []


def format_literal(recorded: dict, order: list[str]) -> str:
    keys = [k for k in order if k in recorded] + [k for k in recorded if k not in order]
    if not keys:
        return "None"
    body = "".join(f"\n    {k!r}: {recorded[k]!r}," for k in keys)
    return "{" + body + "\n}"


def replace_recorded(source: str, literal: str) -> str | None:
    """``source`` with the value of its ``recorded=`` keyword replaced by ``literal`` (None if absent)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "recorded":
                    v = kw.value
                    lines = source.splitlines(keepends=True)
                    start = _offset(lines, v.lineno, v.col_offset)
                    end = _offset(lines, v.end_lineno, v.end_col_offset)
                    return source[:start] + literal + source[end:]
    return None


def _offset(lines, lineno, col_bytes):
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode("utf-8")[:col_bytes].decode("utf-8"))


def _rewrite_recorded(recorded: dict, order: list[str]) -> str | None:
    """Ask the front end to write ``recorded`` into the running cell (returns the new source); always
    print the line to paste."""
    ip = get_ipython()
    parent = ip.get_parent() if ip is not None and hasattr(ip, "get_parent") else {}
    source = (parent or {}).get("content", {}).get("code") or (ip.user_ns.get("_ih", [""])[-1] if ip else "")
    new = replace_recorded(source, format_literal(recorded, order)) if source else None
    paste = f"recorded={format_literal(recorded, order)}"
    if new is None:
        print("Could not write your answers into this cell automatically. Replace recorded=... in the cell with "
              f"this line, run it again and save:\n{paste}")
        return None
    ip.set_next_input(new.rstrip("\n"), replace=True)
    print("Your answers are now written into this cell: it should now read recorded={...}. Save the notebook "
          "(the disk icon) to keep them. If the cell did not change (some editors cannot rewrite cells), replace "
          f"recorded=... in it with this line and run it again:\n{paste}")
    return new.rstrip("\n")
