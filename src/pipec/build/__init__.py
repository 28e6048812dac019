"""`pipec build`: the Dockerfile of each pipeline image, its build context and tag, and the build itself.

A target-like emitter (its output is committed beside the engines' in `golden/*/docker/`):
:mod:`.plan` decides which images a pipeline needs, :mod:`.dockerfile` writes each one,
:mod:`.context` and :mod:`.digest_cache` digest the build context for the tag, and
:mod:`.image` names, builds and pushes the images.
"""
