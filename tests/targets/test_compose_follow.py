"""How pipec reads a compose run that ``up`` stopped following (pipec.targets.compose.follow).

The reading of ``ps --all --format json`` and the decision of what is alive, failed or ready
to start; the takeover itself runs against a real engine in
tests/targets/test_local_docker_run.py (`test_a_compose_that_dies_mid_run_is_followed_to_the_end`).
"""

from __future__ import annotations

import json

from pipec.targets.compose.follow import Container, containers, progress, restart_limit

SERVICES = {
    "load": {},
    "stats": {"depends_on": {"load": {"condition": "service_completed_successfully"}}},
    "scale": {"depends_on": {"load": {"condition": "service_completed_successfully"}}, "restart": "on-failure:2"},
    "join": {"depends_on": {"stats": {"condition": "service_completed_successfully"},
                            "scale": {"condition": "service_completed_successfully"}}},
}


def _seen(**states: tuple[str, int]) -> dict[str, Container]:
    return {name: Container(id=f"id-{name}", state=state, exit_code=code) for name, (state, code) in states.items()}


def test_ps_lines_and_lists_are_read_and_podman_words_mean_dockers() -> None:
    lines = "\n".join(json.dumps(row) for row in (
        {"Service": "a", "ID": "1", "State": "exited", "ExitCode": 0},
        {"Service": "b", "ID": "2", "State": "stopped", "ExitCode": 3},
        {"Service": "c", "ID": "3", "State": "configured"}))
    assert containers(lines) == {"a": Container("1", "exited", 0), "b": Container("2", "exited", 3),
                                 "c": Container("3", "created", 0)}
    assert containers(json.dumps([{"Service": "a", "ID": "1", "State": "Running", "ExitCode": 0}])) == {
        "a": Container("1", "running", 0)}
    assert containers("") == {}


def test_restart_limit_reads_on_failure_only() -> None:
    assert [restart_limit({"restart": policy}) for policy in ("on-failure:3", "on-failure", "always", "no")] == [
        3, 0, 0, 0]
    assert restart_limit({}) == 0


def test_created_steps_whose_dependencies_completed_are_ready() -> None:
    seen = _seen(load=("exited", 0), stats=("created", 0), scale=("created", 0), join=("created", 0))
    now = progress(SERVICES, seen, lambda box: 0)
    assert (now.alive, now.failed, now.ready) == ([], [], ["stats", "scale"])
    seen = _seen(load=("exited", 0), stats=("exited", 0), scale=("running", 0), join=("created", 0))
    assert progress(SERVICES, seen, lambda box: 0).ready == []
    seen = _seen(load=("exited", 0), stats=("exited", 0), scale=("exited", 0), join=("created", 0))
    assert progress(SERVICES, seen, lambda box: 0).ready == ["join"]


def test_a_failed_step_with_restarts_left_is_alive_and_a_failed_dependency_blocks() -> None:
    seen = _seen(load=("exited", 0), stats=("exited", 0), scale=("exited", 1), join=("created", 0))
    asked = []
    now = progress(SERVICES, seen, lambda box: asked.append(box.id) or 1)
    assert (now.alive, now.failed, now.ready) == (["scale"], [], [])
    assert asked == ["id-scale"]
    now = progress(SERVICES, seen, lambda box: 2)
    assert (now.alive, now.failed, now.ready) == ([], ["scale"], [])
    seen = _seen(load=("exited", 1), stats=("created", 0), scale=("created", 0), join=("created", 0))
    now = progress(SERVICES, seen, lambda box: 0)
    assert (now.alive, now.failed, now.ready) == ([], ["load"], [])


def test_services_without_a_container_are_neither_alive_nor_ready() -> None:
    now = progress(SERVICES, _seen(load=("running", 0)), lambda box: 0)
    assert (now.alive, now.failed, now.ready) == (["load"], [], [])
