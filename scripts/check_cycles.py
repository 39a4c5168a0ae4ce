"""Find import cycles between the project's modules (every import, even one inside a
function, counts); print each cycle and exit 1, or say there are none.

    .venv/bin/python scripts/check_cycles.py [package ...]   (default: benchmark curation tests)

lint-imports checks cycles between sibling packages; this checks single modules, so two
modules that import each other lazily (a job module and the service it calls, say) show too.
"""

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("benchmark", "curation", "tests")


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The graph's strongly connected groups of more than one module (each holds a cycle)."""
    search = _Tarjan(graph)
    for module in sorted(graph.modules):
        if module not in search.order:
            search.visit(module)
    return sorted(search.cycles)


class _Tarjan:
    """Tarjan's strongly connected components, iterative so a deep import chain cannot
    overflow Python's stack."""

    def __init__(self, graph: grimp.ImportGraph):
        self.graph = graph
        self.order: dict[str, int] = {}
        self.lowest: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.cycles: list[list[str]] = []

    def visit(self, start: str) -> None:
        work = [self._enter(start)]
        while work:
            module, imported = work[-1]
            following = next(imported, None)
            if following is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    self.lowest[parent] = min(self.lowest[parent], self.lowest[module])
                self._close(module)
            elif following not in self.order:
                work.append(self._enter(following))
            elif following in self.on_stack:
                self.lowest[module] = min(self.lowest[module], self.order[following])

    def _enter(self, module: str):
        self.order[module] = self.lowest[module] = len(self.order)
        self.stack.append(module)
        self.on_stack.add(module)
        return module, iter(sorted(self.graph.find_modules_directly_imported_by(module)))

    def _close(self, root: str) -> None:
        """A module none of whose imports reach further back roots a group: pop it."""
        if self.lowest[root] != self.order[root]:
            return
        group = []
        while not group or group[-1] != root:
            group.append(self.stack.pop())
            self.on_stack.discard(group[-1])
        if len(group) > 1:
            self.cycles.append(sorted(group))


def main(packages: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    cycles = import_cycles(grimp.build_graph(*packages))
    for cycle in cycles:
        print("import cycle: " + " <-> ".join(cycle), file=sys.stderr)
    print(f"{len(cycles)} import cycles between the modules of {', '.join(packages)}")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(PACKAGES)))
