"""Discovery: walking, gitignore/exclude, vendored trees, symlinks and file classification."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sls_lint.config import Config, load_config
from sls_lint.discovery import classify, discover

FIXTURES = Path(__file__).parent / "fixtures" / "discovery"


def make(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def dist(root: Path, folder: str, name: str, tops: list[str], record: bool = True) -> None:
    """A minimal installed distribution: package folder(s) plus its .dist-info."""
    meta = root / folder / f"{name}-1.0.dist-info"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "METADATA").write_text(f"Name: {name}\n")
    lines = []
    for top in tops:
        if top.endswith(".py"):
            make(root, {f"{folder}/{top}": "x = 1\n"})
            lines.append(f"{top},sha256=abc,6")
        else:
            make(root, {f"{folder}/{top}/__init__.py": "", f"{folder}/{top}/api.py": "def get(): pass\n"})
            lines += [f"{top}/__init__.py,,", f"{top}/api.py,,"]
    if record:
        lines.append(f"{name}-1.0.dist-info/RECORD,,")
        (meta / "RECORD").write_text("\n".join(lines) + "\n")


def cfg(root: Path, **overrides) -> Config:
    return load_config(None, start=str(root), rule_options=[], overrides=overrides or None)


def run(root: Path, paths=None, **overrides):
    config = cfg(root, **overrides)
    return discover([str(p) for p in (paths or [root])], config, root=str(root))


def paths(d) -> list[str]:
    return [f.path for f in d.files]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "sls-lint.toml").write_text("")
    return root


# -- basics -----------------------------------------------------------------------------------


def test_walk_sorted_posix_relative_paths_and_kinds(project):
    make(project, {
        "handler.py": "",
        "src/app/api.py": "",
        "src/app/types.pyi": "",
        "serverless.yml": "service: x\n",
        "web/vercel.json": "{}",
        "edge/wrangler.jsonc": "// comment\n{}",
        "edge2/wrangler.toml": "name = 'x'\n",
        "sam/template.yaml": "Resources: {}\n",
        "README.md": "",
        "package.json": '{"name": "x"}',
    })
    d = run(project)
    assert paths(d) == [
        "edge/wrangler.jsonc", "edge2/wrangler.toml", "handler.py", "sam/template.yaml",
        "serverless.yml", "src/app/api.py", "web/vercel.json",
    ]
    kinds = {f.path: f.kind for f in d.files}
    assert kinds["serverless.yml"] == "serverless" and kinds["web/vercel.json"] == "vercel"
    assert kinds["edge/wrangler.jsonc"] == "wrangler" and kinds["sam/template.yaml"] == "cloudformation"
    assert kinds["handler.py"] == "python"
    f = d.files[2]
    assert f.abs_path == str(project / "handler.py") and not f.vendored
    assert d.root == str(project) and d.errors == []


def test_default_excludes_are_pruned(project):
    make(project, {
        "app.py": "",
        "node_modules/pkg/x.py": "",
        ".venv/lib/y.py": "",
        ".aws-sam/build/Fn/app.py": "",
        "cdk.out/asset/z.py": "",
        "sub/__pycache__/m.py": "",
        ".serverless/requirements/r.py": "",
    })
    d = run(project)
    assert paths(d) == ["app.py"]
    assert d.skipped_excluded == 6


def test_missing_path_is_an_error_not_a_crash(project):
    make(project, {"a.py": ""})
    d = discover([str(project / "a.py"), str(project / "nope")], cfg(project), root=str(project))
    assert paths(d) == ["a.py"]
    assert len(d.errors) == 1 and "nope" in d.errors[0] and "no such" in d.errors[0]


def test_paths_given_twice_are_listed_once(project):
    make(project, {"src/a.py": ""})
    d = discover([str(project), str(project / "src"), str(project / "src" / "a.py")], cfg(project), root=str(project))
    assert paths(d) == ["src/a.py"]


def test_default_paths_is_the_root(project):
    make(project, {"a.py": ""})
    assert paths(discover([], cfg(project), root=str(project))) == ["a.py"]


# -- gitignore and exclude ---------------------------------------------------------------------


def test_gitignore_at_nested_levels(project):
    make(project, {
        ".gitignore": "*.gen.py\n/out/\nsecret*\n",
        "a.py": "", "b.gen.py": "", "out/c.py": "",
        "svc/out/d.py": "",  # /out/ is anchored to the top folder
        "svc/.gitignore": "local_*.py\n/tmp/\n",
        "svc/local_e.py": "", "svc/f.py": "", "svc/tmp/g.py": "",
        "svc/deep/local_h.py": "", "svc/deep/x.gen.py": "",
        "other/local_i.py": "",  # svc/.gitignore does not apply here
        "other/secret_j.py": "",
    })
    d = run(project)
    assert paths(d) == ["a.py", "other/local_i.py", "svc/f.py", "svc/out/d.py"]


def test_gitignore_negation(project):
    make(project, {
        ".gitignore": "*.py\n!keep.py\n!/src/\nbuild_*/\n",
        "drop.py": "", "keep.py": "", "svc/keep.py": "", "svc/drop.py": "",
        "build_x/keep.py": "",  # a file under an ignored folder cannot be re-included
        "svc/.gitignore": "!drop.py\n",  # a deeper file takes precedence
    })
    d = run(project)
    assert paths(d) == ["keep.py", "svc/drop.py", "svc/keep.py"]


def test_gitignore_contents_pattern_with_negated_file(project):
    make(project, {".gitignore": "gen/*\n!gen/keep.py\n", "gen/drop.py": "", "gen/keep.py": ""})
    assert paths(run(project)) == ["gen/keep.py"]


def test_gitignore_in_parent_of_named_folder_and_git_info_exclude(tmp_path):
    repo = tmp_path / "repo"
    make(repo, {
        ".git/info/exclude": "scratch_*.py\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".gitignore": "*.tmp.py\n",
        "svc/sls-lint.toml": "",
        "svc/a.py": "", "svc/b.tmp.py": "", "svc/scratch_c.py": "",
    })
    svc = repo / "svc"
    d = discover([str(svc)], cfg(svc), root=str(svc))
    assert paths(d) == ["a.py"]


def test_respect_gitignore_false(project):
    make(project, {".gitignore": "*.py\n", "a.py": ""})
    assert paths(run(project)) == []
    assert paths(run(project, respect_gitignore=False)) == ["a.py"]


def test_exclude_and_extend_exclude(project):
    (project / "sls-lint.toml").write_text("extend-exclude = ['generated/', '/scripts/*.py', '*_pb2.py']\n")
    make(project, {
        "app.py": "", "generated/a.py": "", "svc/generated/b.py": "",
        "scripts/deploy.py": "", "svc/scripts/keep.py": "", "svc/x_pb2.py": "",
        "build/out.py": "",
    })
    d = run(project)
    assert paths(d) == ["app.py", "svc/scripts/keep.py"]
    assert d.skipped_excluded == 5
    # exclude replaces the defaults: build/ is walked now, extend-exclude still applies
    d = run(project, exclude=["svc"])
    assert paths(d) == ["app.py", "build/out.py"]


def test_exclude_negation(project):
    (project / "sls-lint.toml").write_text("extend-exclude = ['legacy_*.py', '!legacy_keep.py']\n")
    make(project, {"legacy_a.py": "", "legacy_keep.py": ""})
    assert paths(run(project)) == ["legacy_keep.py"]


def test_named_file_is_checked_even_if_excluded(project):
    make(project, {".gitignore": "gen/\n", "gen/a.py": "", "build/b.py": "", "c.py": ""})
    d = discover([str(project / "gen" / "a.py"), str(project / "build" / "b.py")], cfg(project), root=str(project))
    assert paths(d) == ["build/b.py", "gen/a.py"]


def test_named_excluded_folder_is_walked(project):
    make(project, {"build/b.py": "", "build/node_modules/n.py": ""})
    d = discover([str(project / "build")], cfg(project), root=str(project))
    assert paths(d) == ["build/b.py"]


def test_git_folder_never_walked(project):
    make(project, {".git/hooks/x.py": "", "a.py": ""})
    assert paths(run(project, exclude=[])) == ["a.py"]


# -- vendored trees ---------------------------------------------------------------------------


def test_lambda_layer_python_folder_is_vendored(project):
    make(project, {"functions/api/handler.py": ""})
    dist(project, "layers/deps/python", "requests", ["requests"])
    dist(project, "layer/python", "six", ["six.py"])
    dist(project, "dependencies/python", "boto3", ["boto3"])
    d = run(project)
    assert paths(d) == ["functions/api/handler.py"]
    assert d.skipped_vendored == [
        "dependencies/python/boto3/__init__.py", "dependencies/python/boto3/api.py",
        "layer/python/six.py",
        "layers/deps/python/requests/__init__.py", "layers/deps/python/requests/api.py",
    ]


def test_layer_with_site_packages_layout(project):
    make(project, {
        "layer/python/lib/python3.12/site-packages/pydantic/main.py": "",
        "layer/python/lib/python3.12/site-packages/typing_extensions.py": "",
        "app.py": "",
    })
    d = run(project)
    assert paths(d) == ["app.py"]
    assert len(d.skipped_vendored) == 2


def test_package_folder_and_site_packages(project):
    make(project, {"app.py": "", "venv2/lib/python3.11/site-packages/x/y.py": ""})
    dist(project, "package", "urllib3", ["urllib3"])
    d = run(project)
    assert paths(d) == ["app.py"]
    assert d.skipped_vendored == [
        "package/urllib3/__init__.py", "package/urllib3/api.py",
        "venv2/lib/python3.11/site-packages/x/y.py",
    ]


def test_pip_install_target_next_to_handler_keeps_own_code(project):
    # `pip install -t .` inside a function folder: only what the metadata claims is vendored
    make(project, {"fn/handler.py": "", "fn/helpers/util.py": ""})
    dist(project, "fn", "requests", ["requests"])
    dist(project, "fn", "six", ["six.py"])
    make(project, {"fn/bin/normalizer.py": ""})
    d = run(project)
    assert paths(d) == ["fn/handler.py", "fn/helpers/util.py"]
    assert d.skipped_vendored == [
        "fn/bin/normalizer.py", "fn/requests/__init__.py", "fn/requests/api.py", "fn/six.py",
    ]


def test_metadata_without_record_vendors_the_whole_folder(project):
    make(project, {"fn/handler.py": ""})
    dist(project, "fn", "mystery", ["mystery"], record=False)
    d = run(project)
    assert paths(d) == []
    assert "fn/handler.py" in d.skipped_vendored


def test_own_python_folder_without_metadata_is_not_vendored(project):
    make(project, {
        "src/python/app/handler.py": "",
        "layers/common/python/common_utils/db.py": "",  # a shared-code layer of own modules
    })
    d = run(project)
    assert paths(d) == ["layers/common/python/common_utils/db.py", "src/python/app/handler.py"]
    assert d.skipped_vendored == []


def test_project_egg_info_is_not_vendoring(project):
    make(project, {
        "pyproject.toml": "[project]\nname = 'svc'\n",
        "svc.egg-info/top_level.txt": "svc\n",
        "svc/app.py": "",
        "src/pkg.egg-info/top_level.txt": "pkg\n",
        "src/pkg/mod.py": "",
    })
    d = run(project)
    assert paths(d) == ["src/pkg/mod.py", "svc/app.py"]


def test_include_vendored_marks_files(project):
    make(project, {"app.py": ""})
    dist(project, "layer/python", "six", ["six.py"])
    d = run(project, include_vendored=True)
    assert paths(d) == ["app.py", "layer/python/six.py"]
    assert [f.vendored for f in d.files] == [False, True]
    assert d.skipped_vendored == []


def test_named_vendored_file_is_checked_and_flagged(project):
    dist(project, "layer/python", "six", ["six.py"])
    d = discover([str(project / "layer" / "python" / "six.py")], cfg(project), root=str(project))
    # named explicitly -> still vendored: it is listed, not checked, unless include-vendored
    assert d.skipped_vendored == ["layer/python/six.py"]
    d = discover([str(project / "layer" / "python" / "six.py")], cfg(project, include_vendored=True), root=str(project))
    assert [(f.path, f.vendored) for f in d.files] == [("layer/python/six.py", True)]


def test_aws_sam_build_is_vendored_when_not_excluded(project):
    make(project, {".aws-sam/build/Fn/app.py": "", "app.py": ""})
    d = run(project, exclude=[])
    assert paths(d) == ["app.py"] and d.skipped_vendored == [".aws-sam/build/Fn/app.py"]


# -- symlinks ---------------------------------------------------------------------------------


symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


@symlinks
def test_symlink_loop_is_not_followed(project):
    make(project, {"src/a.py": ""})
    os.symlink(project, project / "src" / "loop")
    os.symlink(project / "src", project / "src" / "self")
    d = run(project)
    assert paths(d) == ["src/a.py"]


@symlinks
def test_link_outside_root_not_followed(project, tmp_path):
    make(tmp_path, {"outside/secret.py": "", "outside/dir/x.py": ""})
    make(project, {"src/a.py": "", "src/real.py": ""})
    os.symlink(tmp_path / "outside" / "secret.py", project / "src" / "leak.py")
    os.symlink(tmp_path / "outside" / "dir", project / "src" / "leakdir")
    os.symlink(project / "src" / "real.py", project / "src" / "alias.py")  # inside: fine
    os.symlink(tmp_path / "outside" / "missing.py", project / "src" / "dangling.py")
    d = run(project)
    assert paths(d) == ["src/a.py", "src/alias.py", "src/real.py"]
    # a named link out of the tree is reported, not followed
    d = discover([str(project / "src" / "leak.py")], cfg(project), root=str(project))
    assert d.files == [] and "outside the project root" in d.errors[0]


@symlinks
def test_symlinked_folder_inside_root_not_followed(project):
    make(project, {"real/a.py": ""})
    os.symlink(project / "real", project / "alias")
    assert paths(run(project)) == ["real/a.py"]


# -- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kind",
    [
        ("app.py", "python"), ("types.pyi", None), ("serverless.yml", "serverless"),
        ("serverless.yaml", "serverless"), ("vercel.json", "vercel"), ("wrangler.toml", "wrangler"),
        ("wrangler.json", "wrangler"), ("wrangler.jsonc", "wrangler"),
        ("template.yaml", "cloudformation"), ("template.yml", "cloudformation"),
        ("template.json", "cloudformation"), ("package.json", None), ("tsconfig.json", None),
        ("docker-compose.yml", None), ("docker-compose.prod.yaml", None), ("README.md", None),
        ("requirements.txt", None), ("pyproject.toml", None),
    ],
)
def test_classify_by_name(name, kind):
    # head is given so that nothing is read from disk
    assert classify(f"some/dir/{name}", head="") == kind


@pytest.mark.parametrize(
    "fixture, kind",
    [
        ("sam-template.yaml", "cloudformation"),
        ("cfn-resources-only.yaml", "cloudformation"),
        ("cfn-template.json", "cloudformation"),
        ("docker-compose.yml", None),
        ("workflow.yml", None),
        ("k8s.yaml", None),
    ],
)
def test_classify_by_content(fixture, kind):
    text = (FIXTURES / fixture).read_text()
    assert classify(f"x/{fixture}", head=text) == kind
    assert classify(str(FIXTURES / fixture)) == kind  # reads the head itself


@pytest.mark.parametrize(
    "head",
    [
        "AWSTemplateFormatVersion: '2010-09-09'\n",
        "\ufeffAWSTemplateFormatVersion: 2010-09-09\n",
        '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{}}',
        "Transform:\n  - AWS::Serverless-2016-10-31\n",
        '{"Transform": ["AWS::Serverless-2016-10-31"]}',
        "Transform: AWS::LanguageExtensions\nResources: {}\n",
    ],
)
def test_cloudformation_markers(head):
    assert classify("infra/anything.template", head=head) == "cloudformation"


@pytest.mark.parametrize(
    "head",
    [
        "# AWSTemplateFormatVersion: mentioned in a comment\nfoo: 1\n",
        "Resources:\n  - name: x\n",  # no AWS:: types
        "nested:\n  Resources:\n    X:\n      Type: AWS::SQS::Queue\n",  # not top-level
        '{"description": "uses AWS::Lambda::Function"}',
    ],
)
def test_not_cloudformation(head):
    assert classify("infra/other.yaml", head=head) is None


def test_cloudformation_template_found_by_content_in_walk(project):
    make(project, {"infra/.keep": ""})
    shutil.copy(FIXTURES / "sam-template.yaml", project / "infra" / "stack.yaml")
    shutil.copy(FIXTURES / "cfn-template.json", project / "infra" / "stack.json")
    shutil.copy(FIXTURES / "docker-compose.yml", project / "docker-compose.yml")
    shutil.copy(FIXTURES / "k8s.yaml", project / "infra" / "k8s.yaml")
    shutil.copy(FIXTURES / "workflow.yml", project / "infra" / "deploy.yml")
    make(project, {".github/workflows/ci.yml": (FIXTURES / "sam-template.yaml").read_text()})
    d = run(project)
    assert [(f.path, f.kind) for f in d.files] == [
        ("infra/stack.json", "cloudformation"), ("infra/stack.yaml", "cloudformation"),
    ]


def test_template_marker_beyond_head_is_not_read(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("x: " + "a" * (70 * 1024) + "\nAWSTemplateFormatVersion: '2010-09-09'\n")
    assert classify(str(p)) is None


def test_large_tree(project):
    # 3,000 files in 150 folders, a third of them excluded or ignored: correctness only (speed is
    # measured in bench/, never in a timed test)
    files = {}
    for i in range(150):
        for j in range(20):
            folder = f"pkg{i}" if i % 3 else f"pkg{i}/node_modules"
            files[f"{folder}/m{j}.py"] = ""
    make(project, files)
    d = run(project)
    assert len(d.files) == 100 * 20
    assert d.skipped_excluded == 50
