"""PyYAML's scalar analysis (which styles may write a string), by regular expressions.

PyYAML's ``Emitter.analyze_scalar`` walks a string one character at a time in pure Python:
with 2,000 pipelines it was the largest cost of a compile, mostly on long strings seen once
(scripts, embedded manifests). :func:`analyze` gives the same answer with a few regular
expression searches; a test compares the two on arbitrary text.
"""

from __future__ import annotations

import re

from yaml.emitter import ScalarAnalysis

#: What PyYAML counts as whitespace around an indicator (NUL and end of text included).
_SPACE = "\0 \t\r\n\x85\u2028\u2029"
_BREAKS = "\n\x85\u2028\u2029"
#: First characters that are indicators whatever follows them.
_LEADING = frozenset("#,[]{}&*!|>'\"%@`")
#: Characters after the first that a flow plain scalar may not hold.
_FLOW_INSIDE = re.compile("[,?\\[\\]{}:]")
#: ``:`` before whitespace or the end (an indicator after the first character).
_SPACED_COLON = re.compile(f":(?:[{_SPACE}]|\\Z)")
#: ``#`` after whitespace (a comment).
_SPACED_HASH = re.compile(f"[{_SPACE}]#")
_LINE_BREAK = re.compile(f"[{_BREAKS}]")
#: A character PyYAML (allowing unicode) only writes escaped, in double quotes.
_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_BREAK_SPACE = re.compile(f"[{_BREAKS}] ")
_SPACE_BREAK = re.compile(f" [{_BREAKS}]")


def analyze(scalar: str) -> ScalarAnalysis:
    """What ``yaml.emitter.Emitter.analyze_scalar`` returns for `scalar` with ``allow_unicode``."""
    if not scalar:
        return ScalarAnalysis(scalar=scalar, empty=True, multiline=False, allow_flow_plain=False,
                              allow_block_plain=True, allow_single_quoted=True, allow_double_quoted=True,
                              allow_block=False)
    first = scalar[0]
    spaced_first = len(scalar) == 1 or scalar[1] in _SPACE  # the first character is followed by whitespace
    shared = (scalar.startswith(("---", "...")) or first in _LEADING or (first == "-" and spaced_first)
              or bool(_SPACED_HASH.search(scalar)))
    block_indicators = shared or (first in "?:" and spaced_first) or bool(_SPACED_COLON.search(scalar, 1))
    flow_indicators = shared or first in "?:" or bool(_FLOW_INSIDE.search(scalar, 1))
    line_breaks = bool(_LINE_BREAK.search(scalar))
    special = bool(_SPECIAL.search(scalar))
    break_space = bool(_BREAK_SPACE.search(scalar))
    space_break = bool(_SPACE_BREAK.search(scalar))
    trailing_space = scalar[-1] == " "
    edge_space = first == " " or first in _BREAKS or trailing_space or scalar[-1] in _BREAKS

    flow_plain = block_plain = single_quoted = block = True
    if edge_space or line_breaks:
        flow_plain = block_plain = False
    if trailing_space:
        block = False
    if break_space:
        flow_plain = block_plain = single_quoted = False
    if space_break or special:
        flow_plain = block_plain = single_quoted = block = False
    if flow_indicators:
        flow_plain = False
    if block_indicators:
        block_plain = False
    return ScalarAnalysis(scalar=scalar, empty=False, multiline=line_breaks, allow_flow_plain=flow_plain,
                          allow_block_plain=block_plain, allow_single_quoted=single_quoted,
                          allow_double_quoted=True, allow_block=block)
