"""The type stubs (nanots.pyi) match the module: the same public classes,
functions, methods and properties, with the same parameter names; every
public item has a docstring; the installed package ships the stubs and
py.typed."""

import ast
import inspect
import pathlib

import pytest

import nanots

STUB = pathlib.Path(__file__).resolve().parents[1] / "nanots.pyi"
PACKAGE = pathlib.Path(nanots.__file__).parent

# Dunder methods that are part of the public surface.
DUNDERS = {"__arrow_c_stream__", "__arrow_c_array__", "__enter__", "__exit__", "__len__", "__init__"}


def stub_tree():
    return ast.parse(STUB.read_text(encoding="utf-8"))


def stub_classes():
    return {n.name: n for n in stub_tree().body if isinstance(n, ast.ClassDef)}


def public(name):
    return not name.startswith("_") or name in DUNDERS


def runtime_members(cls):
    out = set()
    for name, value in vars(cls).items():
        if public(name) and (callable(value) or inspect.isdatadescriptor(value)):
            out.add(name)
    return out


def test_installed_package_ships_stubs_and_py_typed():
    assert (PACKAGE / "py.typed").exists()
    shipped = PACKAGE / "__init__.pyi"
    assert shipped.exists()
    if STUB.exists():
        assert shipped.read_text(encoding="utf-8") == STUB.read_text(encoding="utf-8")


def test_same_public_names():
    # `nanots.nanots` is the extension module inside the package.
    names = {n for n in dir(nanots) if not n.startswith("_")} - {"nanots"}
    stubbed = set()
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef):
            stubbed.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            stubbed.add(node.target.id)
        elif isinstance(node, ast.Assign):
            stubbed.update(t.id for t in node.targets if isinstance(t, ast.Name))
    # Type aliases of the stub are not runtime names.
    aliases = {"Timestamp", "Timestamps", "Values", "Duration", "AggName"}
    assert "__version__" in stubbed and isinstance(nanots.__version__, str)
    assert names == {n for n in stubbed - aliases if not n.startswith("_")}


@pytest.mark.parametrize("name", sorted(stub_classes()))
def test_class_members_match(name):
    cls = getattr(nanots, name)
    node = stub_classes()[name]
    stub_members = {
        n.name for n in node.body if isinstance(n, ast.FunctionDef) and public(n.name)
    }
    runtime = {m for m in runtime_members(cls) if m != "__init__"}
    if issubclass(cls, BaseException):
        assert stub_members == set()
        return
    assert stub_members - {"__init__"} == runtime, name


def stub_params(fn):
    a = fn.args
    names = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    return [n for n in names if n != "self"]


def runtime_params(obj):
    sig = inspect.signature(obj)
    return [p for p in sig.parameters if p != "self"]


@pytest.mark.parametrize("name", sorted(stub_classes()))
def test_signatures_match(name):
    cls = getattr(nanots, name)
    for fn in stub_classes()[name].body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)
        if is_property or fn.name == "__len__":
            continue
        if fn.name == "__init__":
            assert runtime_params(cls) == stub_params(fn), name
        else:
            assert runtime_params(getattr(cls, fn.name)) == stub_params(fn), f"{name}.{fn.name}"


def test_everything_public_has_a_docstring():
    assert nanots.__doc__ and "NanoTS" in nanots.__doc__
    for name in dir(nanots):
        if name.startswith("_"):
            continue
        obj = getattr(nanots, name)
        if isinstance(obj, str):
            continue
        assert obj.__doc__, name
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            for m in runtime_members(obj):
                if m.startswith("__") and m not in {"__arrow_c_stream__", "__arrow_c_array__", "__exit__"}:
                    continue
                assert getattr(obj, m).__doc__, f"{name}.{m}"


def test_help_of_query_is_useful():
    doc = nanots.Db.query.__doc__
    assert "__arrow_c_stream__" in doc and "inclusive" in doc and "NotFoundError" in doc
    assert str(inspect.signature(nanots.Db.query)) == "(self, /, table, start=None, end=None)"
    assert "sync='on_flush'" in str(inspect.signature(nanots.Db))
