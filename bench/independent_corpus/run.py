#!/usr/bin/env python3
"""Compile every entry point of the independent ZenML corpus and classify each outcome.

Usage:
    python3 run.py --corpus DIR [--pipec PIPEC] [--manifest repos.toml] [--json OUT.json]
                   [--only OWNER/NAME ...] [--timeout S] [--compare OLD.json]
    python3 run.py --compare OLD.json NEW.json       (compare two saved runs, compile nothing)

DIR holds one checkout per repository, `DIR/<owner>+<name>/` (see README.md, "Rerunning").
PIPEC defaults to $PIPEC_BIN, else `pipec` on PATH.

Each entry is compiled the way a user would: from the project folder (`cwd` in the manifest,
default the repository's top), `pipec compile --target ir FILE [--config X] [--pipeline P]`,
never with `--root`. The checkout is copied to a temporary folder first, and every `.pipec`
folder in the copy is removed before each entry, so no compile cache or earlier output leaks
between entries and the checkout itself is never written.

Outcomes:
    OK               exit 0, at least one step; the DAG is printed and, when the manifest
                     records the expected DAG, it matched
    OK-DAG-MISMATCH  exit 0, but steps, edges or output names differ from the recorded DAG
    TARGET-ERR       (with --also-target) the IR compiles, the other target(s) exit 2
    ZERO-STEPS       exit 0 without a single step
    ERR              exit 2: the first diagnostic's code and message are shown
    CRASH            a traceback, exit 3 or any other exit code (a pipec bug)
    TIMEOUT          no answer within --timeout seconds
    SKIP             the checkout or the entry's file is absent
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))

#: First diagnostic line of an exit-2 run: `file:line:col: error[PC123]: message`.
DIAG_RE = re.compile(r"error\[(PC\d+)\]: (.*)")


@dataclass(frozen=True)
class Entry:
    """One way a user runs a pipeline of a repository."""

    #: `owner/name` of the repository.
    repo: str
    #: The module or run script passed to pipec, relative to `cwd`.
    file: str
    #: Folder the user runs from, relative to the repository's top.
    cwd: str = "."
    #: `--config` value, relative to `cwd`, or None.
    config: str | None = None
    #: `--pipeline` value, or None.
    pipeline: str | None = None
    #: Recorded category: ok, a, b, c or d (see README.md).
    cat: str = ""
    #: Every blocker found by hand, as `a:key`, `b:key`, `c:key`, `d:key`.
    blockers: tuple[str, ...] = ()
    #: Expected DAG, `step<-up1,up2:out1,out2; ...` (upstream includes `after=`), or None.
    dag: str | None = None
    #: Free-form note.
    note: str = ""

    @property
    def key(self) -> str:
        """Stable identity of the entry across runs."""
        parts = [self.repo, os.path.normpath(os.path.join(self.cwd, self.file))]
        if self.config:
            parts.append(f"--config {self.config}")
        if self.pipeline:
            parts.append(f"--pipeline {self.pipeline}")
        return " ".join(parts)


@dataclass
class Result:
    """What one compile gave."""

    #: The entry compiled.
    entry: Entry
    #: One of the outcomes in the module docstring.
    outcome: str
    #: First diagnostic code of an ERR, else "".
    code: str = ""
    #: First diagnostic message, crash line, DAG difference or a short summary.
    detail: str = ""
    #: The DAG compiled, in the manifest's notation ("" when nothing compiled).
    dag: str = ""
    #: The exact command line, for reproducing crashes.
    command: str = ""
    #: Every error code seen, with counts.
    errors: dict[str, int] = field(default_factory=dict)


def load_manifest(path: str) -> tuple[list[dict], list[Entry]]:
    """The repositories and entries of the TOML manifest at `path`."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    repos, entries = [], []
    for repo in data.get("repo", []):
        repos.append(repo)
        for e in repo.get("entry", []):
            entries.append(Entry(
                repo=repo["name"], file=e["file"], cwd=e.get("cwd", "."), config=e.get("config"),
                pipeline=e.get("pipeline"), cat=e.get("cat", ""), blockers=tuple(e.get("blockers", ())),
                dag=e.get("dag"), note=e.get("note", ""),
            ))
    return repos, entries


def parse_dag(spec: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """`step<-a,b:o1,o2; ...` -> {step: (sorted upstream, outputs in order)}."""
    out = {}
    for part in spec.split(";"):
        part = part.strip()
        if not part:
            continue
        head, outs = part.rsplit(":", 1)
        step, ups = head.split("<-", 1)
        out[step.strip()] = (tuple(sorted(u.strip() for u in ups.split(",") if u.strip())),
                             tuple(o.strip() for o in outs.split(",") if o.strip()))
    return out


def ir_dag(pipeline: dict) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The DAG of one IR pipeline, in `parse_dag`'s shape."""
    out = {}
    for step in pipeline["steps"]:
        ups = set(step.get("upstream", [])) | set(step.get("after", []))
        out[step["id"]] = (tuple(sorted(ups)), tuple(step.get("outputs", {}).keys()))
    return out


def render_dag(dag: dict) -> str:
    """The manifest notation of a DAG from `ir_dag`."""
    return "; ".join(f"{s}<-{','.join(u)}:{','.join(o)}" for s, (u, o) in dag.items())


def dag_diff(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences between two DAGs in `parse_dag`'s shape."""
    diffs = []
    for step in sorted(set(expected) | set(actual)):
        if step not in actual:
            diffs.append(f"missing step {step}")
        elif step not in expected:
            diffs.append(f"extra step {step}")
        else:
            (eu, eo), (au, ao) = expected[step], actual[step]
            if eu != au:
                diffs.append(f"{step}: upstream {list(au)} != expected {list(eu)}")
            if eo != ao:
                diffs.append(f"{step}: outputs {list(ao)} != expected {list(eo)}")
    return diffs


def _clean_pipec_dirs(top: str) -> None:
    """Remove every `.pipec` folder under `top` (compile caches, stack files)."""
    for dirpath, dirnames, _ in os.walk(top):
        if ".pipec" in dirnames:
            shutil.rmtree(os.path.join(dirpath, ".pipec"), ignore_errors=True)
            dirnames.remove(".pipec")


def _read_ir(out_dir: str) -> list[dict]:
    """Every pipeline of every IR file written under `out_dir/ir`."""
    pipelines = []
    ir_dir = os.path.join(out_dir, "ir")
    for dirpath, _, files in os.walk(ir_dir):
        for name in sorted(files):
            if name.endswith(".json"):
                with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                    pipelines += json.load(fh).get("pipelines", [])
    return pipelines


def _flags(entry: Entry, root_at_cwd: bool) -> list[str]:
    """The entry's `--config`/`--pipeline` (and diagnosis `--root .`) flags."""
    flags = []
    if entry.config:
        flags += ["--config", entry.config]
    if entry.pipeline:
        flags += ["--pipeline", entry.pipeline]
    if root_at_cwd:
        flags += ["--root", "."]
    return flags


def _also_target(res: Result, cwd: str, pipec: str, target: str, timeout: int, root_at_cwd: bool) -> None:
    """Compile an entry whose IR compiled for `target` too; a failure there changes the outcome."""
    e = res.entry
    with tempfile.TemporaryDirectory(prefix="pipec-out-") as out:
        cmd = [pipec, "compile", "--target", target, e.file, "--out", out, "--color", "never"] + _flags(e, root_at_cwd)
        shown = res.command.split(" && ")[0] + " && " + " ".join(["pipec"] + cmd[1:]).replace(out, "OUT")
        env = dict(os.environ, PIPEC_NO_COMPILE_CACHE="1")
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            res.outcome, res.detail, res.command = "TIMEOUT", f"--target {target}: no answer in {timeout}s", shown
            return
    if "Traceback (most recent call last)" in proc.stderr or proc.returncode not in (0, 2):
        lines = proc.stderr.strip().splitlines()
        res.outcome, res.command = "CRASH", shown
        res.detail = f"--target {target}: exit {proc.returncode}: " + (lines[-1] if lines else "")
    elif proc.returncode == 2:
        first = DIAG_RE.search(proc.stderr)
        res.outcome, res.command = "TARGET-ERR", shown
        res.code = first.group(1) if first else ""
        res.detail = f"--target {target}: " + (first.group(2)[:160] if first else proc.stderr.strip()[:160])


def run_entry(entry: Entry, copy_top: str, pipec: str, timeout: int, root_at_cwd: bool = False,
              also_target: str | None = None) -> Result:
    """Compile one entry inside the repository copy at `copy_top` and classify the outcome
    (with `root_at_cwd`, pass `--root .`: what a user who names the project folder gets; with
    `also_target`, an entry whose IR compiles is compiled for that target too)."""
    cwd = os.path.join(copy_top, entry.cwd)
    if not os.path.isfile(os.path.join(cwd, entry.file)):
        return Result(entry, "SKIP", detail=f"missing {entry.file}")
    _clean_pipec_dirs(copy_top)
    with tempfile.TemporaryDirectory(prefix="pipec-out-") as out:
        cmd = [pipec, "compile", "--target", "ir", entry.file, "--out", out, "--color", "never"]
        cmd += _flags(entry, root_at_cwd)
        shown = "cd " + os.path.join("<corpus>", entry.repo.replace("/", "+"), entry.cwd) + " && " + " ".join(
            ["pipec"] + cmd[1:]).replace(out, "OUT")
        env = dict(os.environ, PIPEC_NO_COMPILE_CACHE="1")
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            return Result(entry, "TIMEOUT", detail=f"no answer in {timeout}s", command=shown)
        errors = Counter(code for code, _ in DIAG_RE.findall(proc.stderr))
        res = Result(entry, "", command=shown, errors=dict(sorted(errors.items())))
        if "Traceback (most recent call last)" in proc.stderr or proc.returncode not in (0, 2):
            lines = proc.stderr.strip().splitlines()
            res.outcome, res.detail = "CRASH", f"exit {proc.returncode}: " + (lines[-1] if lines else "")
            return res
        if proc.returncode == 2:
            first = DIAG_RE.search(proc.stderr)
            res.outcome = "ERR"
            res.code, res.detail = (first.group(1), first.group(2)[:200]) if first else ("", proc.stderr.strip()[:200])
            return res
        pipelines = _read_ir(out)
    if entry.pipeline:
        pipelines = [p for p in pipelines if entry.pipeline in (p["name"], p.get("function"))]
    steps = sum(len(p["steps"]) for p in pipelines)
    res.dag = " || ".join(render_dag(ir_dag(p)) for p in pipelines)
    if steps == 0:
        res.outcome, res.detail = "ZERO-STEPS", "exit 0 without a step"
        return res
    res.outcome, res.detail = "OK", f"{len(pipelines)} pipeline(s), {steps} steps"
    if entry.dag:
        if len(pipelines) != 1:
            res.outcome, res.detail = "OK-DAG-MISMATCH", f"{len(pipelines)} pipelines compiled, 1 expected"
        else:
            diffs = dag_diff(parse_dag(entry.dag), ir_dag(pipelines[0]))
            if diffs:
                res.outcome, res.detail = "OK-DAG-MISMATCH", "; ".join(diffs[:4]) + (" ..." if len(diffs) > 4 else "")
            else:
                res.detail += ", DAG as recorded"
    if also_target and res.outcome == "OK":
        _also_target(res, cwd, pipec, also_target, timeout, root_at_cwd)
    return res


def run_all(entries: list[Entry], corpus: str, pipec: str, timeout: int, root_at_cwd: bool = False,
            also_target: str | None = None) -> list[Result]:
    """Compile every entry, one temporary copy per repository."""
    results = []
    by_repo: dict[str, list[Entry]] = {}
    for e in entries:
        by_repo.setdefault(e.repo, []).append(e)
    for repo, repo_entries in by_repo.items():
        src = os.path.join(corpus, repo.replace("/", "+"))
        if not os.path.isdir(src):
            results += [Result(e, "SKIP", detail=f"no checkout at {src}") for e in repo_entries]
            continue
        with tempfile.TemporaryDirectory(prefix="corpus2-") as tmp:
            top = os.path.join(tmp, repo.replace("/", "+"))
            shutil.copytree(src, top, symlinks=True, ignore=shutil.ignore_patterns(".git", ".pipec"))
            for e in repo_entries:
                res = run_entry(e, top, pipec, timeout, root_at_cwd, also_target)
                results.append(res)
                _print_result(res)
    return results


def _print_result(res: Result) -> None:
    e = res.entry
    flags = (f" --config {e.config}" if e.config else "") + (f" --pipeline {e.pipeline}" if e.pipeline else "")
    print(f"{res.outcome:15} cat={e.cat or '?':2} {e.repo}: {os.path.normpath(os.path.join(e.cwd, e.file))}{flags}")
    if res.code:
        print(f"{'':15} {res.code}: {res.detail}")
    elif res.detail:
        print(f"{'':15} {res.detail}")
    if res.outcome.startswith("OK") and res.dag:
        print(f"{'':15} dag: {res.dag}")
    if res.outcome in ("CRASH", "TIMEOUT"):
        print(f"{'':15} command: {res.command}")


def summary(results: list[Result]) -> str:
    """Counts per outcome and per recorded category, and every crash's command."""
    lines = ["", "== outcomes"]
    outcomes = Counter(r.outcome for r in results)
    for k in ("OK", "OK-DAG-MISMATCH", "TARGET-ERR", "ZERO-STEPS", "ERR", "CRASH", "TIMEOUT", "SKIP"):
        if outcomes[k]:
            lines.append(f"{k:16} {outcomes[k]:4}")
    lines.append(f"{'total':16} {len(results):4}")
    lines += ["", "== outcome x recorded category (ok a b c d)",
              f"{'':16} {'ok':>4} {'a':>4} {'b':>4} {'c':>4} {'d':>4} {'?':>4}"]
    for k in sorted(outcomes):
        cats = Counter(r.entry.cat or "?" for r in results if r.outcome == k)
        lines.append(f"{k:16} " + " ".join(f"{cats[c]:>4}" for c in ("ok", "a", "b", "c", "d", "?")))
    blockers = Counter(b for r in results if r.outcome != "OK" for b in r.entry.blockers)
    if blockers:
        lines += ["", "== blockers of entries that are not OK (an entry may have several)"]
        lines += [f"{v:4}  {k}" for k, v in blockers.most_common()]
    codes = Counter(r.code for r in results if r.outcome in ("ERR", "TARGET-ERR"))
    if codes:
        lines += ["", "== first diagnostic code of ERR and TARGET-ERR entries"]
        lines += [f"{v:4}  {k}" for k, v in codes.most_common()]
    crashes = [r for r in results if r.outcome in ("CRASH", "TIMEOUT")]
    if crashes:
        lines += ["", "== crashes and timeouts (exact commands)"]
        lines += [f"{r.command}\n    {r.detail}" for r in crashes]
    return "\n".join(lines)


def to_json(results: list[Result]) -> list[dict]:
    """Plain data for `--json`."""
    return [dict(key=r.entry.key, repo=r.entry.repo, file=r.entry.file, cwd=r.entry.cwd, config=r.entry.config,
                 pipeline=r.entry.pipeline, cat=r.entry.cat, blockers=list(r.entry.blockers), outcome=r.outcome,
                 code=r.code, detail=r.detail, dag=r.dag, command=r.command, errors=r.errors) for r in results]


def compare(old: list[dict], new: list[dict]) -> str:
    """Per-entry changes between two `--json` files."""
    before = {r["key"]: r for r in old}
    after = {r["key"]: r for r in new}
    lines = ["== changes since the old run"]
    changed = 0
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b is None or a is None:
            lines.append(f"{'added' if b is None else 'removed':8} {key}")
            changed += 1
            continue
        sig_b = (b["outcome"], b["code"], b["dag"])
        sig_a = (a["outcome"], a["code"], a["dag"])
        if sig_b != sig_a:
            changed += 1
            what = f"{b['outcome']}{'/' + b['code'] if b['code'] else ''} -> {a['outcome']}{'/' + a['code'] if a['code'] else ''}"
            if b["outcome"] == a["outcome"] and b["code"] == a["code"]:
                what += " (DAG changed)" if b["dag"] != a["dag"] else ""
            lines.append(f"changed  {key}: {what}")
            if a["outcome"] not in ("OK",) and a["detail"]:
                lines.append(f"         now: {a['detail']}")
    old_ok = sum(r["outcome"] == "OK" for r in old)
    new_ok = sum(r["outcome"] == "OK" for r in new)
    lines.append(f"{changed} entries changed; OK {old_ok} -> {new_ok}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="folder of checkouts, one `<owner>+<name>` per repository")
    ap.add_argument("--pipec", default=os.environ.get("PIPEC_BIN", "pipec"), help="pipec executable")
    ap.add_argument("--manifest", default=os.path.join(HERE, "repos.toml"))
    ap.add_argument("--json", help="write every result here")
    ap.add_argument("--only", nargs="*", help="run only these repositories (owner/name)")
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--also-target", metavar="NAME",
                    help="compile entries whose IR compiles for this target too (`all`: every target)")
    ap.add_argument("--root-at-cwd", action="store_true",
                    help="diagnosis only: also pass `--root .` (the project folder), to see the blockers behind the root")
    ap.add_argument("--compare", nargs="+", metavar="JSON",
                    help="OLD.json: list changes against this run; OLD.json NEW.json: compare two saved runs")
    args = ap.parse_args(argv)

    if args.compare and len(args.compare) == 2:
        with open(args.compare[0]) as a, open(args.compare[1]) as b:
            print(compare(json.load(a), json.load(b)))
        return 0
    if not args.corpus:
        ap.error("--corpus is required unless --compare is given two files")
    _, entries = load_manifest(args.manifest)
    if args.only:
        entries = [e for e in entries if e.repo in args.only]
    results = run_all(entries, args.corpus, args.pipec, args.timeout, args.root_at_cwd, args.also_target)
    print(summary(results))
    data = to_json(results)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(data, fh, indent=1)
    if args.compare:
        with open(args.compare[0]) as fh:
            print()
            print(compare(json.load(fh), data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
