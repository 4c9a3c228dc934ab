"""The workspace interchange format (shared/spec/interchange.md), in both directions.

- `shapes`: the one table mapping each JSON key to a model field, and the
  parts of an algorithm's document that apps above filings own (`Part`).
- `export`: the snapshot builder (a workspace or an algorithm as a document).
- `schema`: the JSON Schema, generated from the table.
- `reader`: bytes to a document, each problem with its JSON Pointer.
- `importer`: a document into a workspace, all or nothing.

The names below are the format's public interface; filings.snapshot takes
the hashed content from `algorithm_snapshot` and computes the one digest.
"""

from .export import algorithm_snapshot, algorithm_snapshots, dumps, export_workspace
from .importer import ImportResult, import_document, workspace_has_data
from .reader import MAX_VALUE_PROBLEMS, ImportRefused, Problem, parse
from .schema import json_schema
from .shapes import FORMAT, SHAPES, SINGLE_CHILDREN, Part, field_pointer, register_part

__all__ = [
    "FORMAT",
    "MAX_VALUE_PROBLEMS",
    "SHAPES",
    "SINGLE_CHILDREN",
    "ImportRefused",
    "ImportResult",
    "Part",
    "Problem",
    "algorithm_snapshot",
    "algorithm_snapshots",
    "dumps",
    "export_workspace",
    "field_pointer",
    "import_document",
    "json_schema",
    "parse",
    "register_part",
    "workspace_has_data",
]
