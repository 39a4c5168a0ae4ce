"""The import-cycle check finds cycles of every shape, and the project has none."""

import sys
import textwrap

import grimp
import pytest

from scripts.check_cycles import PACKAGES, import_cycles, main


def _package(root, name: str, modules: dict[str, str]) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(textwrap.dedent(source))


@pytest.fixture
def graph_of(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))

    def build(name: str, modules: dict[str, str]) -> grimp.ImportGraph:
        _package(tmp_path, name, modules)
        return grimp.build_graph(name, cache_dir=None)

    yield build
    for name in [module for module in sys.modules if module.startswith("cyc_")]:
        del sys.modules[name]


def test_it_finds_a_lazy_two_module_cycle_and_a_longer_one(graph_of):
    graph = graph_of(
        "cyc_shapes",
        {
            # a service that imports its job module inside a function, as scenes once did
            "services": "def start():\n    from cyc_shapes import tasks\n",
            "tasks": "from cyc_shapes import services\n",
            "a": "import cyc_shapes.b\n",
            "b": "from cyc_shapes.c import x\n",
            "c": "x = 1\nimport cyc_shapes.a\n",
            "leaf": "import cyc_shapes.services\n",
        },
    )
    assert import_cycles(graph) == [
        ["cyc_shapes.a", "cyc_shapes.b", "cyc_shapes.c"],
        ["cyc_shapes.services", "cyc_shapes.tasks"],
    ]


def test_a_layered_package_and_a_deep_chain_have_no_cycle(graph_of):
    chain = {f"m{i}": f"import cyc_chain.m{i + 1}\n" for i in range(3000)}
    chain["m3000"] = "import json\n"
    assert import_cycles(graph_of("cyc_chain", chain)) == []


def test_the_project_has_no_import_cycles(capsys):
    assert main(list(PACKAGES)) == 0
    assert capsys.readouterr().out.startswith("0 import cycles")
