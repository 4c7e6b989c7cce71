"""nbgrader glue: the two steps this course adds to ``nbgrader autograde`` (see nbgrader_config.py).

Imports only nbgrader and jsonschema, never the course's data (pandas): it loads in every grading
process.
"""

from __future__ import annotations

import json
import traceback
from functools import cache

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata
from traitlets.log import get_logger


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
