"""The ``imports`` parameter: missing module-level imports are added once, in the right place."""
from __future__ import annotations

import pytest

from sls_lint.fixers.imports import add_imports


@pytest.mark.parametrize(
    "source, imports, expected",
    [
        # after the last top-level import
        ("import os\nimport sys\n\nx = 1\n", [("time", None)], "import os\nimport sys\nimport time\n\nx = 1\n"),
        # after the docstring and __future__ imports when there are no imports
        (
            '"""Doc."""\nfrom __future__ import annotations\ndef f(): pass\n',
            [("botocore.config", "Config")],
            '"""Doc."""\nfrom __future__ import annotations\nfrom botocore.config import Config\ndef f(): pass\n',
        ),
        ('"""Doc."""\n\nx = 1\n', [("os", None)], '"""Doc."""\nimport os\n\nx = 1\n'),
        # at the top, below the header comments, with a blank line before the code
        ("#!/usr/bin/env python\n\nx = 1\n", [("os", None)], "#!/usr/bin/env python\n\nimport os\n\nx = 1\n"),
        ("", [("os", None)], "import os\n"),
        # several at once, in order, each once
        ("import a\n", [("b", None), ("c", "d"), ("b", None)], "import a\nimport b\nfrom c import d\n"),
    ],
)
def test_added_where_expected(source, imports, expected):
    assert add_imports(source, imports) == expected


@pytest.mark.parametrize(
    "source, imports",
    [
        ("import time\n", [("time", None)]),
        ("import os.path\n", [("os", None)]),  # `import os.path` binds os
        ("import a.b.c\n", [("a.b", None)]),
        ("from botocore.config import Config\n", [("botocore.config", "Config")]),
        ("from a import b as b\n", [("a", "b")]),
        ("import a.b as b\n", [("a", "b")]),
        ("try:\n    import ujson as json\nexcept ImportError:\n    import json\n", [("json", None)]),
        ("if sys.version_info > (3,):\n    import tomllib\nelse:\n    import tomli\n", [("tomli", None)]),
        ("from . import utils\n", [(".", "utils")]),
    ],
)
def test_already_imported_is_not_added(source, imports):
    assert add_imports(source, imports) == source


@pytest.mark.parametrize(
    "source, imports, added",
    [
        ("from a import b\n", [("a.b", None)], "import a.b\n"),  # binds b, not a
        ("import a.b\n", [("a", "b")], "from a import b\n"),  # binds a, not b
        ("import a\n", [("a.b", None)], "import a.b\n"),  # a.b may not be loaded
        ("import time as t\n", [("time", None)], "import time\n"),
        ("from x import y as z\n", [("x", "y")], "from x import y\n"),
        ("if TYPE_CHECKING:\n    from x import Y\n", [("x", "Y")], "from x import Y\n"),
        ("def f():\n    import json\n", [("json", None)], "import json\n"),
    ],
)
def test_different_bindings_are_added(source, imports, added):
    assert added in add_imports(source, imports)


def test_keeps_crlf_and_comments():
    src = "import os  # env\r\n# config\r\nX = 1\r\n"
    assert add_imports(src, [("json", None)]) == "import os  # env\r\nimport json\r\n# config\r\nX = 1\r\n"
