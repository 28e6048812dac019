"""HyperAI: the instance runs the compose file with Docker Compose, exactly as local_docker's
(the crontab line and submit only set ``PIPEC_RUN_ID`` and ``PIPEC_PARAM_`` variables), so the
model is local_docker's."""

from __future__ import annotations

from .local_docker import COMPILE_OPTIONS, step_argvs

__all__ = ["COMPILE_OPTIONS", "step_argvs"]
