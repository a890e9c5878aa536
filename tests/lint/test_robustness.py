"""Any syntactically valid Python gives findings or nothing, never an exception, in bounded work."""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import pytest

from heldout.lint import lint_path, lint_source
from heldout.lint.flow import Flow
from heldout.lint.source import parse_cell

ROOT = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Real code heldout knows nothing about: its own sources, and varied standard-library modules.
FILES = sorted((ROOT / "src" / "heldout").rglob("*.py")) + [
    STDLIB / name
    for name in (
        "ast.py",
        "argparse.py",
        "dataclasses.py",
        "typing.py",
        "statistics.py",
        "fractions.py",
        "json/decoder.py",
        "asyncio/tasks.py",
        "email/_header_value_parser.py",
        "random.py",
    )
    if (STDLIB / name).is_file()
]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_real_code_never_crashes_the_lint(path: Path) -> None:
    findings = lint_path(path)
    assert all(f.kind != "syntax" and f.message for f in findings)


SNIPPETS = {
    "starred": """
        a, *rest = [1, 2, 3]
        *head, tail = range(4)
        first, *_, last = "abc"
    """,
    "walrus_and_comprehensions": """
        import numpy as np
        xs = [y for x in range(3) if (y := x * 2)]
        d = {k: v for k, v in zip("ab", xs)}
    """,
    "nested_functions": """
        def outer():
            def inner(v=1, *a, k=2, **kw):
                return inner
            return inner()
        outer()()
    """,
    "classes": """
        class A:
            x = 1
            def fit(self, X, y=None):
                return self
        @dataclass
        class B(A):
            pass
        B().fit(1).fit(2)
    """,
    "generators": """
        def gen():
            yield 1
            yield from range(3)
        list(gen())
    """,
    "async": """
        async def f():
            async with a as b:
                async for c in b:
                    await c
    """,
    "try_finally": """
        try:
            import lightgbm
        except ImportError as error:
            lightgbm = None
        else:
            pass
        finally:
            print("x")
    """,
    "subscripts": """
        import pandas as pd
        df = pd.read_csv("a")
        df.loc[df.a > 1, ["b", "c"]] = 0
        df.iloc[::2, 1:]
        df[df.columns[:3]]
        df[1:2:3]
    """,
    "odd_calls": """
        import numpy as np
        f = np.mean
        f(*[1, 2], **{"axis": 0})
        (lambda: 1)()
        getattr(np, "sum")([1])
        print(*range(3), sep="")
    """,
    "sklearn_misuse": """
        from sklearn.model_selection import train_test_split as tts
        from sklearn.preprocessing import StandardScaler
        tts()
        tts(1, 2, 3)
        StandardScaler().fit()
        StandardScaler().transform()
        StandardScaler().predict(1)
    """,
    "self_reference": """
        a = []
        a.append(a)
        b = {}
        b["b"] = b
        for x in a:
            for y in x:
                pass
        sorted(b.items())
    """,
    "deleting_and_globals": """
        x = 1
        def f():
            global x
            x = 2
            del x
        f()
        del x
    """,
    "match": """
        match point:
            case (0, 0):
                pass
            case {"k": v, **rest}:
                v.fit(rest)
            case _:
                pass
    """,
}


@pytest.mark.parametrize("code", SNIPPETS.values(), ids=list(SNIPPETS))
def test_unusual_python_never_crashes_the_lint(code: str) -> None:
    assert all(f.kind != "syntax" for f in lint_source([textwrap.dedent(code)]))


def test_exponential_calls_stop_at_the_statement_budget() -> None:
    # Each function calls the next ten times: 10**7 calls within the depth limit, unless the budget stops it.
    calls = " + ".join(["f{n}(x)"] * 10)
    lines = [f"def f{i}(x):\n    return {calls.format(n=i + 1)}" for i in range(7)]
    lines.append("def f7(x):\n    return x\nvalue = f0(1)\nafter = 2")
    module = parse_cell("\n".join(lines), None).module
    assert module is not None
    flow = Flow()
    flow.run_cell(None, module)
    assert flow.budget <= 0  # stopped, instead of running 2**40 calls
