"""JSON Schemas shipped with the package, and validation with messages a person can act on.

The same schema files are used by the Snakefile's ``validate()`` and by `surveykit.config`,
so a config that passes one passes the other.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean

__all__ = ["load_schema", "schema_path", "validate"]


def schema_path(name: str) -> str:
    """Filesystem path of the shipped schema ``name`` (e.g. ``"survey"``)."""
    return str(resources.files("surveykit.data") / "schemas" / f"{name}.schema.json")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The shipped JSON Schema ``name`` as a dict."""
    with open(schema_path(name), encoding="utf-8") as handle:
        return json.load(handle)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _branch_keys(error: jsonschema.ValidationError) -> list[list[str]] | None:
    """The required keys of each alternative of a ``oneOf``/``anyOf`` whose alternatives
    are told apart by the keys they require (a condition: ``ame``, ``share`` …), else
    ``None``."""
    if error.validator not in ("oneOf", "anyOf") or not isinstance(error.instance, dict):
        return None
    keys = [list(branch.get("required", [])) if isinstance(branch, dict) else []
            for branch in error.validator_value]
    return keys if all(keys) else None


def _narrow(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The error inside the one alternative whose required keys the instance has: a
    malformed ``ame`` condition is reported inside ``ame``, not as "'ame' was unexpected"
    in some other alternative."""
    keys = _branch_keys(error)
    if keys is None or not error.context:
        return error
    matching = [i for i, required in enumerate(keys)
                if all(key in error.instance for key in required)]
    if len(matching) != 1:
        return error
    inner = [sub for sub in error.context if sub.relative_schema_path[0] == matching[0]]
    return _narrow(jsonschema.exceptions.best_match(inner)) if inner else error


def _explain(error: jsonschema.ValidationError) -> str:
    """One sentence for one schema violation."""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        hint = f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
        unexpected = [str(key) for key in error.instance if key not in allowed] \
            if isinstance(error.instance, dict) else []
        guesses = "".join(did_you_mean(key, allowed).replace(" (did you mean",
                                                             f" ({key!r}: did you mean")
                          for key in unexpected[:5])
        return f"{error.message}{guesses}{hint}"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{error.instance!r} is not allowed; use one of {allowed}"
    keys = _branch_keys(error)
    if keys is not None and all(len(required) == 1 for required in keys):
        names = [required[0] for required in keys]
        found = [name for name in names if name in error.instance]
        declared = [set(branch.get("properties", {})) for branch in error.validator_value]
        unknown = [str(key) for key in error.instance
                   if any(declared) and not any(key in keys for keys in declared)]
        return (f"give exactly one of {', '.join(names)} "
                f"(found: {', '.join(found) or 'none of them'})"
                + (f"; {', '.join(map(repr, unknown))} is not one of them" if unknown else ""))
    if error.validator in ("oneOf", "anyOf") and error.context:
        if all(sub.validator in ("required", "not") for sub in error.context):
            # Alternatives that differ only in which key is present: say so plainly.
            keys = [key for branch in error.validator_value for key in branch.get("required", [])]
            present = [k for k in keys if isinstance(error.instance, dict) and k in error.instance]
            return (f"give exactly one of {', '.join(keys)} "
                    f"(found: {', '.join(present) or 'none of them'})")
        best = jsonschema.exceptions.best_match(error.context)
        return _explain(best)
    return error.message


def validate(instance: Any, schema_name: str, source: str) -> None:
    """Validate ``instance`` against the shipped schema, raising one clear `ConfigError`.

    Parameters
    ----------
    instance
        The parsed YAML/JSON document.
    schema_name
        Name of the shipped schema (``"survey"``, ``"codebook"``, ``"config"``, ``"surveys"``).
    source
        The file the instance came from, named in the message.
    """
    validator_class = jsonschema.validators.validator_for(load_schema(schema_name))
    validator = validator_class(load_schema(schema_name))
    errors = sorted((_narrow(e) for e in validator.iter_errors(instance)),
                    key=lambda e: [str(part) for part in e.absolute_path])
    if not errors:
        return
    lines = [f"- at {_key_path(e)}: {_explain(e)}" for e in errors[:10]]
    more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
    raise ConfigError(
        f"{source} does not follow the {schema_name} schema "
        f"({schema_path(schema_name)}):\n" + "\n".join(lines) + more
        + "\nFix the keys named above and run again."
    )
