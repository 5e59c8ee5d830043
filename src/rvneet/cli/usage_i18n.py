"""Click's and Typer's usage errors in the user's language.

The vendored Click and Typer build their error messages with f-strings, not gettext, so they cannot
be looked up as they are made. They are recognised here, once formatted, by their English shape and
rebuilt from a catalog text with the same values; a message of a shape not listed stays as it is.
Only the standard library here, and only loaded when a command line is refused.
"""

import re

from rvneet.i18n import N_, translate

# (English shape, catalog text). Groups named `message` hold a message of their own, translated in
# turn; groups named `label` hold a type's name, translated as a word; the rest are values.
RULES: tuple[tuple[str, str], ...] = (
    (
        r"Missing option (?P<hint>.+?)\. Choose from: (?P<choices>.+)",
        N_("Missing option {hint}. Choose from: {choices}"),
    ),
    (
        r"Missing argument (?P<hint>.+?)\. Choose from: (?P<choices>.+)",
        N_("Missing argument {hint}. Choose from: {choices}"),
    ),
    (r"Missing option (?P<hint>.+)\.", N_("Missing option {hint}.")),
    (r"Missing argument (?P<hint>.+)\.", N_("Missing argument {hint}.")),
    (r"Missing parameter: (?P<hint>.+)", N_("Missing parameter: {hint}")),
    (
        r"Invalid value for (?P<hint>.+?): (?P<message>.+)",
        N_("Invalid value for {hint}: {message}"),
    ),
    (r"Invalid value: (?P<message>.+)", N_("Invalid value: {message}")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
        N_("No such option: {name} (possible options: {options})"),
    ),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"Option (?P<name>'[^']*') requires an argument\.", N_("Option {name} requires an argument.")),
    (
        r"Option (?P<name>'[^']*') requires (?P<n>\d+) arguments\.",
        N_("Option {name} requires {n} arguments."),
    ),
    (
        r"Option (?P<name>'[^']*') does not take a value\.",
        N_("Option {name} does not take a value."),
    ),
    (
        r"Argument (?P<name>'[^']*') takes (?P<n>\d+) values\.",
        N_("Argument {name} takes {n} values."),
    ),
    (
        r"Got unexpected extra argument\(s\) \((?P<args>.*)\)",
        N_("Got unexpected extra argument(s) ({args})"),
    ),
    (
        r"(?P<message>.+?)\. Did you mean (?P<names>.+)\?",
        N_("{message}. Did you mean {names}?"),
    ),
    (r"No such command (?P<name>'[^']*')\.", N_("No such command {name}.")),
    (r"(?P<value>'.*') is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (
        r"Value (?P<value>.+) is not a valid (?P<label>[\w ]+)\.",
        N_("Value {value} is not a valid {label}."),
    ),
    (
        r"(?P<label>File|Directory|Path) (?P<value>'.*') does not exist\.",
        N_("{label} {value} does not exist."),
    ),
    (
        r"(?P<label>File|Directory|Path) (?P<value>'.*') is a file\.",
        N_("{label} {value} is a file."),
    ),
    (
        r"(?P<label>File|Directory|Path) (?P<value>'.*') is a directory\.",
        N_("{label} {value} is a directory."),
    ),
    # Pydantic's messages for option values Typer checks with it (`--neet-months abc`).
    (r"Input should be a valid integer.*", N_("it should be a whole number")),
    (r"Input should be a valid number.*", N_("it should be a number")),
    (r"Input should be a valid boolean.*", N_("it should be yes or no")),
    (r"Input should be greater than or equal to (?P<n>\S+)", N_("it should be {n} or more")),
    (r"Input should be less than or equal to (?P<n>\S+)", N_("it should be {n} or less")),
    (r"Input should be greater than (?P<n>\S+)", N_("it should be more than {n}")),
    (r"Input should be less than (?P<n>\S+)", N_("it should be less than {n}")),
)

# Names of types and paths in Click's messages, translated as words.
LABELS = (
    N_("integer"),
    N_("float"),
    N_("boolean"),
    N_("File"),
    N_("Directory"),
    N_("Path"),
)

_COMPILED = tuple((re.compile(shape), text) for shape, text in RULES)


def translate_usage(message: str, lang: str) -> str:
    """A usage error's one-line `message` (English, as Click made it) in `lang`."""
    if lang == "en":
        return message
    for shape, text in _COMPILED:
        match = shape.fullmatch(message)
        if match is None:
            continue
        values = {
            name: translate_usage(value, lang)
            if name == "message"
            else translate(value, lang)
            if name == "label"
            else value
            for name, value in match.groupdict().items()
        }
        return translate(text, lang).format(**values)
    return message
