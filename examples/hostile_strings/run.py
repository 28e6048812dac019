"""Strings that break naive emitters (YAML, JSON, shell, Jinja, GitHub expressions).

Every target must carry these values through verbatim: quoted for YAML, escaped
for JSON and Python, never expanded by a shell, Jinja or a workflow engine.
"""

from pipec import Docker, pipeline, step


@step
def echo(
    quote_mix: str,
    multiline: str,
    jinja: str,
    gha: str,
    shell: str,
    backticks: str,
    yaml_words: list,
    script_name: str,
    unicode_text: str,
    windows_path: str,
    percent: str,
    empty: str = "",
) -> dict:
    """Return every argument unchanged so a run can compare them with the source."""
    return {
        "quote_mix": quote_mix,
        "multiline": multiline,
        "jinja": jinja,
        "gha": gha,
        "shell": shell,
        "backticks": backticks,
        "yaml_words": yaml_words,
        "script_name": script_name,
        "unicode_text": unicode_text,
        "windows_path": windows_path,
        "percent": percent,
        "empty": empty,
    }


@step(docker=Docker(environment={"GREETING": "it's \"quoted\" & $HOME", "TEMPLATE": "{{ var.value.x }}"}))
def check(values: dict, label: str = "on") -> bool:
    """True when nothing was mangled on the way."""
    return values["yaml_words"] == ["yes", "no", "on", "off", "null", "~", "True", "1e3", "0o17"] and bool(label)


@pipeline(name="hostile_strings")
def hostile(note: str = "it's a \"test\"; echo $USER"):
    """One step full of hostile literals, one that checks them."""
    values = echo(
        quote_mix="it's \"double\" and 'single'",
        multiline="line one\nline two\n\ttabbed\r\nwindows line",
        jinja="{{ ds }} {% if x %}y{% endif %} {# c #}",
        gha="${{ github.token }} ${{ secrets.API_KEY }}",
        shell="$(rm -rf /); `id`; echo $HOME && exit 1 | cat > /dev/null",
        backticks="```python\nprint('hi')\n```",
        yaml_words=["yes", "no", "on", "off", "null", "~", "True", "1e3", "0o17"],
        script_name="deploy.sh",
        unicode_text="naïve ☃ 日本 — ünïcödé \u200b zero-width",
        windows_path="C:\\Users\\pipec\\new\\table.csv",
        percent="100% of %s %(name)s %% done",
        id="echo_values.v2-final",
    )
    check(values, label=note)


if __name__ == "__main__":
    hostile()
