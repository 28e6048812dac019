"""Docker Compose files, shared by the compose targets (local_docker, hyperai); not a target itself.

`build.ComposeBuilder` turns the IR into the compose file's data (a target subclasses it for
what it adds), `interpolation` escapes text for compose's ``${VAR}``, `commands` builds the
compose command lines a submit runs and reads their output, `options` and `names` hold the
options and file names both targets share.
"""
