"""The billing rules. No Typer, no printing, no file formats."""
