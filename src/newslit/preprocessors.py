"""nbgrader glue: the steps this course adds to ``nbgrader autograde`` (see nbgrader_config.py).

Imports only nbgrader, jsonschema and the course's core (no pandas, no widgets): it loads in every
grading process. Scoring exercise 2's items builds their keys with pandas, in nbgrader's process.
"""

from __future__ import annotations

import json
import os
import traceback
from functools import cache

import jsonschema
import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, GetGrades, NbGraderPreprocessor
from traitlets import Unicode
from traitlets.log import get_logger

from newslit import assign, grading


def drop_broken_nbgrader_metadata(nb, resources):
    """One bad notebook must not stop a class: run cells with unusable nbgrader metadata as plain cells.

    nbgrader 0.9.6 aborts ``autograde`` for every student not yet graded when one submission has a
    cell whose nbgrader metadata is not schema 3: its own DeduplicateIds leaves ``{}`` on a pasted
    copy of a locked cell. A cell whose grade id is unknown to the gradebook (OverwriteCells has
    removed it) fails validation too. Such cells lose their nbgrader metadata and run as plain
    cells; every real cell is still found by its grade id (a missing one needs manual grading).
    """
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or meta.get("schema_version") != 3
                                 or "grade_id" not in meta):
            get_logger().warning("Cell %d: nbgrader metadata %r dropped (duplicate, unknown or corrupt)", index, meta)
            del cell.metadata["nbgrader"]
    return nb, resources


class _CompiledSchema(BaseMetadataValidator):
    """The schema step of nbgrader's cell check, with the schema compiled once per process.

    ``jsonschema.validate`` re-checks the schema itself on every call: about 3 ms a cell, 0.15 s
    for each submitted notebook. Cells at the current schema version are validated by one compiled
    validator (same rules, same ``ValidationError``); any other version goes to nbgrader's own step,
    which raises its schema-version errors.
    """

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if isinstance(meta, dict) and meta.get("schema_version") == self.schema_version:
            error = jsonschema.exceptions.best_match(_compiled(json.dumps(self.schema)).iter_errors(meta))
            if error is not None:
                raise error
        else:
            super().validate_cell(cell)


class SchemaOnceValidator(MetadataValidator, _CompiledSchema):
    """nbgrader's metadata validator (all its checks) with the schema step of ``_CompiledSchema``."""


@cache
def _compiled(schema: str):
    schema = json.loads(schema)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's CheckCellMetadata (same checks, same errors), validating with ``SchemaOnceValidator``."""

    def preprocess(self, nb, resources):
        try:
            SchemaOnceValidator().validate_nb(nb)
        except ValidationError as err:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from err
        return nb, resources


@cache
def _items(path: str, mtime: float) -> dict[str, dict]:
    return assign.items(nbformat.read(path, as_version=4))


@cache
def _item_text(table: str, item: str, pack: str | None, root) -> str:
    return grading.item_text({"table": table, "item": item, "pack": pack}, root)


class ScoreItems(NbGraderPreprocessor):
    """Score every autograded item in nbgrader's process, after the notebook ran: the kernel never sees a key.

    Which item a grade cell scores comes from the instructor's notebook in the source directory
    (its ``newslit`` metadata, by grade id), never from the submitted file; points from the cell's
    nbgrader metadata (restored from the gradebook); the key from data/key/ under ``key_root``.
    Each item's outputs are REPLACED by one ``execute_result``: ``text/plain`` the points earned
    (nbgrader's partial credit), ``text/html`` the verdict students read. Whatever the kernel
    printed in a test cell (faked outputs, display hooks) is discarded.
    """

    key_root = Unicode("", help="The course repository whose data/key/ holds the answer keys "
                                "(default: the repository newslit finds itself in).").tag(config=True)

    def _spec_table(self, resources) -> dict[str, dict]:
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.source_directory, ".", resources["nbgrader"]["assignment"])
        path = os.path.join(folder, resources["nbgrader"]["notebook"] + ".ipynb")
        if not os.path.isfile(path):  # never fall back to what the submitted file says its items are
            raise FileNotFoundError(f"ScoreItems needs the instructor's notebook {path} to know which cells "
                                    "score which item")
        return _items(path, os.path.getmtime(path))

    def preprocess(self, nb, resources):
        specs = self._spec_table(resources)
        root = self.key_root or None
        recorded = grading.forms(nb)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            spec = specs.get(meta.get("grade_id")) if meta.get("grade") and cell.cell_type == "code" else None
            if spec is not None:
                cell.outputs = [self.verdict(nb, cell, spec, float(meta["points"]), root, recorded)]
        return nb, resources

    def verdict(self, nb, cell, spec: dict, points: float, root, recorded):
        """The one output of an item's cell: points (text/plain) and the verdict (text/html)."""
        answers, key, text = None, {}, ""
        try:
            answers = grading.answers_of(nb, spec, cell, recorded)
            key = assign.cached_key(spec, root)
            text = _item_text(spec["table"], spec["item"], spec.get("pack"), root)
            scored = grading.score(answers, spec["item"], key, points)
        except Exception as err:  # a broken key or notebook scores 0 with a message, never aborts the class
            self.log.warning("%s: could not be scored (%s: %s)", spec.get("item"), type(err).__name__, err)
            scored = grading.Scored(spec.get("item", "?"), "invalid",
                                    f"could not be scored ({type(err).__name__}); ask your instructor", 0.0,
                                    points, "")
        bundle = {"text/plain": f"{scored.earned:g}",
                  "text/html": grading.verdict_html(scored, key, text, spec.get("name", ""))}
        if spec.get("name"):  # the value scored, for the instructor report's re-score
            bundle[grading.ANSWER_MIME] = {"item": spec["item"], "answers": answers if grading.plain(answers)
                                           else None}
        # built directly: nbformat.v4.new_output validates each output against the schema (8 ms apiece)
        return nbformat.from_dict({"output_type": "execute_result", "data": bundle, "metadata": {},
                                   "execution_count": cell.get("execution_count")})


class GetGradesMarkingPending(GetGrades):
    """nbgrader's GetGrades for feedback, also marking each grade cell still waiting for manual grading.

    nbgrader's score of such a cell is 0 until it is graded; the course's feedback template says
    "not graded yet" instead (``needs_manual_grade`` in the cell's nbgrader metadata).
    """

    def _get_score(self, cell, resources) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["needs_manual_grade"] = bool(grade.needs_manual_grade)
