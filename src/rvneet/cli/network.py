"""Commands registered on the `rvneet case` group and the root app (filled in by issue 3 work)."""

import typer

app = typer.Typer(help="The network of specialists (võrgustik).", no_args_is_help=True)
