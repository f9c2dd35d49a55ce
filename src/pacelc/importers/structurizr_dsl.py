"""The Structurizr DSL reader: a workspace file (and the files it includes) into a `Workspace`.

The grammar (`structurizr.lark`, parsed with lark) knows only the DSL's shape: lines of tokens,
each may open a `{ ... }` block. The keywords are read here, so that an unknown keyword is named
with its line (a skip note) instead of failing the parse, `views { }` is skipped whole whatever
its language, and one parse error stops only its own file. Identifiers are resolved after the
whole workspace is read, so an element may be named before the line that defines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path as FsPath

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from pacelc.importers.structurizr import Relationship, Workspace, WsElement
from pacelc.model import yamlfile
from pacelc.model.loader import ModelError, shown_path
from pacelc.model.source import Loc
from pacelc.model.yamlfile import excerpt

_GRAMMAR = FsPath(__file__).with_name("structurizr.lark")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR.read_text(encoding="utf-8"), parser="lalr", maybe_placeholders=False)


@dataclass
class Stmt:
    """One DSL line: its tokens (quotes removed from strings), their places, and its block."""

    words: list[str]
    kinds: list[str]  # token types: WORD, STRING, TEXT, ARROW, EQ
    locs: list[Loc]
    block: list[Stmt] | None
    block_loc: Loc | None = None

    @property
    def loc(self) -> Loc:
        return self.locs[0]


def _unquote(token: Token) -> str:
    if token.type == "TEXT":
        lines = token.value[3:-3].strip("\n").splitlines()
        indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
        return "\n".join(x[indent:] for x in lines).strip()
    if token.type == "STRING":
        return re.sub(r"\\(.)", r"\1", token.value[1:-1])
    return token.value


def _stmts(tree: Tree, shown: str) -> list[Stmt]:
    out = []
    for stmt in tree.children:
        if not isinstance(stmt, Tree):
            continue
        words, kinds, locs, block, block_loc = [], [], [], None, None
        for child in stmt.children:
            if child.data == "item":
                token = child.children[0]
                words.append(_unquote(token))
                kinds.append(token.type)
                locs.append(Loc(shown, token.line, token.column))
            else:  # block: LBRACE body RBRACE
                brace = child.children[0]
                block_loc = Loc(shown, brace.line, brace.column)
                body = next(c for c in child.children if isinstance(c, Tree))
                block = _stmts(body, shown)
        out.append(Stmt(words, kinds, locs, block, block_loc))
    return out


# `${NAME}`: a constant's value (one that is not defined stays as written).
_CONSTANT = re.compile(r"\$\{([A-Za-z0-9_.-]+)\}")

# Deeper than any workspace nests (workspace, model, system, container, a few groups and nodes),
# and shallow enough for the recursive reading of blocks; the model loader's bound as well.
MAX_DEPTH = 64


def parse_text(text: str, shown: str) -> tuple[list[Stmt], list[ModelError]]:
    """The statements of one DSL file, or its first syntax error (located)."""
    deep = _too_deep(text)
    if deep is not None:
        return [], [ModelError(Loc(shown, *deep), f"blocks nested more than {MAX_DEPTH} deep")]
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        return [], [_syntax_error(exc, text, shown)]
    except LarkError as exc:  # any other failure of the parser is still the file's fault, located at its top
        return [], [ModelError(Loc(shown, 1, 1), f"cannot parse the Structurizr DSL: {excerpt(str(exc))}")]
    body = tree.children[0] if tree.children and isinstance(tree.children[0], Tree) else tree
    return _stmts(body, shown), []


def _syntax_error(exc: UnexpectedInput, text: str, shown: str) -> ModelError:
    line, col = max(getattr(exc, "line", 1) or 1, 1), max(getattr(exc, "column", 1) or 1, 1)
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        opened = _unclosed_brace(text)
        where = f" (the block opened at line {opened[0]}, column {opened[1]})" if opened else ""
        line = text.count("\n") + 1
        col = len(text.rsplit("\n", 1)[-1]) + 1
        return ModelError(Loc(shown, line, col), f"the file ends inside a block: a `}}` is missing{where}")
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        what = "a string that does not end on its line" if char == '"' else f"unexpected character {char!r}"
        return ModelError(Loc(shown, line, col), what)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "RBRACE":
            return ModelError(Loc(shown, line, col), "a `}` closes no block")
        if token.type == "LBRACE":
            return ModelError(Loc(shown, line, col), "a `{` must end a statement's line (after its keyword)")
        return ModelError(Loc(shown, line, col), f"unexpected {excerpt(str(token))}")
    return ModelError(Loc(shown, line, col), "cannot parse the Structurizr DSL here")


def _braces(text: str):
    """Each `{` and `}` outside strings and comments, with its line and column."""
    pattern = r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|/\*[\s\S]*?\*/|^[ \t]*(?:#|//)[^\n]*|[{}]'
    for match in re.finditer(pattern, text, re.M):
        if match.group(0) in "{}":
            line = text.count("\n", 0, match.start()) + 1
            yield match.group(0), line, match.start() - text.rfind("\n", 0, match.start())


def _too_deep(text: str) -> tuple[int, int] | None:
    depth = 0
    for brace, line, col in _braces(text):
        depth += 1 if brace == "{" else -1
        if depth > MAX_DEPTH:
            return line, col
    return None


def _unclosed_brace(text: str) -> tuple[int, int] | None:
    """The innermost `{` left open, by a count that skips strings and comments (for the message)."""
    stack: list[tuple[int, int]] = []
    for brace, line, col in _braces(text):
        if brace == "{":
            stack.append((line, col))
        elif stack:
            stack.pop()
    return stack[-1] if stack else None


# ----------------------------------------------------------------------------- interpretation

_ELEMENTS = {
    "person": "person",
    "softwaresystem": "softwareSystem",
    "container": "container",
    "component": "component",
    "deploymentnode": "deploymentNode",
    "infrastructurenode": "infrastructureNode",
    "containerinstance": "containerInstance",
    "softwaresysteminstance": "softwareSystemInstance",
}
# Where each kind of element may be written (the keyword's block).
_INSIDE = {
    "person": {"model"},
    "softwareSystem": {"model"},
    "container": {"softwareSystem"},
    "component": {"container"},
    "deploymentNode": {"deploymentEnvironment", "deploymentNode"},
    "infrastructureNode": {"deploymentNode"},
    "containerInstance": {"deploymentNode"},
    "softwareSystemInstance": {"deploymentNode"},
}
# The positional arguments of each keyword, after the keyword.
_ARGUMENTS = {
    "person": ("name", "description", "tags"),
    "softwareSystem": ("name", "description", "tags"),
    "container": ("name", "description", "technology", "tags"),
    "component": ("name", "description", "technology", "tags"),
    "deploymentNode": ("name", "description", "technology", "tags", "instances"),
    "infrastructureNode": ("name", "description", "technology", "tags"),
}
# Read and not used by pacelc: never a skip note (they say nothing about failure or consistency).
_QUIET = {
    "url", "properties", "perspectives", "!docs", "!adrs", "healthcheck", "metadata", "!impliedrelationships",
    "configuration", "terminology", "users", "visibility", "branding", "deploymentgroup", "location",
}  # fmt: skip


@dataclass
class _Scope:
    where: str  # "workspace", "model", a kind of element, "deploymentEnvironment", "group"
    element: WsElement | None
    ident: str | None  # the identifier path of the enclosing element (hierarchical identifiers)
    environment: str | None


@dataclass
class _Pending:
    """A relationship or an instance whose identifiers are resolved once every element is known."""

    words: list[str]
    stmt: Stmt
    scope: _Scope
    source: WsElement | None = None  # for `-> x` written inside an element, and for `this`
    ident: str | None = None


@dataclass
class _Reader:
    root: FsPath  # the workspace's folder: `!include` may not leave it
    ws: Workspace
    hierarchical: bool = False
    ids: dict[str, WsElement] = field(default_factory=dict)
    archetypes: dict[str, tuple[str, dict[str, str], list[str]]] = field(default_factory=dict)
    pending: list[_Pending] = field(default_factory=list)
    instances: list[tuple[WsElement, str, Stmt, _Scope]] = field(default_factory=list)
    include_depth: int = 0
    depth: int = 0  # blocks open, across included files
    constants: dict[str, str] = field(default_factory=dict)  # !constant, !const, !var

    def constant(self, match: re.Match[str]) -> str:
        return self.constants.get(match.group(1), match.group(0))

    def error(self, loc: Loc, message: str) -> None:
        self.ws.errors.append(ModelError(loc, message))

    def skip(self, loc: Loc, message: str) -> None:
        self.ws.skipped.append((loc, message))

    # -- statements

    def block(self, stmts: list[Stmt], scope: _Scope) -> None:
        # Includes nest blocks across files: the bound holds for the whole workspace, not per file.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH and stmts:
                self.error(stmts[0].loc, f"blocks nested more than {MAX_DEPTH} deep (through !include)")
                return
            for stmt in stmts:
                self.statement(stmt, scope)
        finally:
            self.depth -= 1

    def statement(self, stmt: Stmt, scope: _Scope) -> None:
        if self.constants and any("${" in w for w in stmt.words):
            stmt = Stmt(
                [_CONSTANT.sub(self.constant, w) for w in stmt.words], stmt.kinds, stmt.locs, stmt.block, stmt.block_loc
            )
        words = stmt.words
        ident: str | None = None
        if len(words) >= 2 and stmt.kinds[1] == "EQ":
            if len(words) == 2:
                self.error(stmt.locs[1], f"nothing after `{words[0]} =`")
                return
            # Structurizr's identifiers are case-insensitive: kept lower case, looked up lower case.
            ident, words = words[0].lower(), words[2:]
            stmt = Stmt(words, stmt.kinds[2:], stmt.locs[2:], stmt.block, stmt.block_loc)
        if "ARROW" in stmt.kinds:
            self.pending.append(_Pending(words, stmt, scope, scope.element, ident))
            return
        keyword = words[0].lower() if stmt.kinds[0] == "WORD" else ""
        if scope.where == "archetypes":
            self.archetype(ident, stmt)
            return
        if keyword in ("!constant", "!const", "!var"):
            if len(words) < 3:
                self.error(stmt.loc, f"{words[0]} needs a name and a value")
            else:
                self.constants[words[1]] = words[2]
        elif keyword == "!include":
            self.include(stmt, scope)
        elif keyword == "!identifiers":
            self.hierarchical = len(words) > 1 and words[1].lower() == "hierarchical"
        elif keyword in ("!ref", "!extend"):
            target = self.resolve(words[1], scope, None) if len(words) > 1 else None
            if target is None or stmt.block is None:
                self.skip(stmt.loc, f"{words[0]} {excerpt(' '.join(words[1:]))}: no element with that identifier yet")
            else:
                key = next(k for k, v in self.ids.items() if v is target)
                self.block(stmt.block, _Scope(target.kind, target, key, scope.environment))
        elif keyword in ("views", "styles", "themes", "theme") and scope.where == "workspace":
            pass  # diagrams and their styles: nothing about the running system
        elif keyword == "model" and scope.where == "workspace":
            self.block(stmt.block or [], _Scope("model", None, None, None))
        elif keyword in ("name", "description") and scope.where == "workspace":
            if keyword == "name" and len(words) > 1:
                self.ws.name, self.ws.name_loc = words[1], stmt.locs[1]
        elif (keyword in ("group", "enterprise") or self.archetypes.get(keyword, ("",))[0] == "group") and stmt.block:
            # A group names a box on a diagram: its elements belong to the enclosing scope.
            self.block(stmt.block, scope)
        elif keyword == "archetypes" and scope.where == "model":
            self.block(stmt.block or [], _Scope("archetypes", None, None, None))
        elif keyword == "deploymentenvironment" and scope.where == "model":
            name = words[1] if len(words) > 1 else ""
            self.ws.environments.append((name, stmt.locs[1] if len(words) > 1 else stmt.loc))
            env_ident = (f"{scope.ident}.{ident}" if scope.ident else ident) if ident else None
            self.block(stmt.block or [], _Scope("deploymentEnvironment", None, env_ident, name))
        elif keyword in _ELEMENTS or keyword in self.archetypes:
            self.element(keyword, ident, stmt, scope)
        elif keyword in ("description", "technology", "tags", "tag", "instances") and scope.element is not None:
            self.attribute(keyword, stmt, scope.element)
        elif keyword in _QUIET or keyword.startswith("!docs") or keyword.startswith("!adrs"):
            pass
        elif keyword == "workspace":
            self.error(stmt.loc, "a workspace inside a workspace: one `workspace { }` per file")
        else:
            what = words[0] if keyword else excerpt(words[0])
            self.skip(stmt.loc, f"{what}: not read by pacelc here (in {scope.where})")

    def element(self, keyword: str, ident: str | None, stmt: Stmt, scope: _Scope) -> None:
        defaults: dict[str, str] = {}
        tags: list[str] = []
        if keyword in self.archetypes:
            kind, defaults, tags = self.archetypes[keyword]
        else:
            kind = _ELEMENTS[keyword]
        allowed = _INSIDE[kind]
        if scope.where not in allowed:
            self.error(
                stmt.loc, f"{stmt.words[0]} cannot be written in {scope.where} (only in {', '.join(sorted(allowed))})"
            )
            return
        words, locs = stmt.words[1:], stmt.locs[1:]
        full = (f"{scope.ident}.{ident}" if scope.ident and self.hierarchical else ident) if ident else None
        if kind in ("containerInstance", "softwareSystemInstance"):
            el = WsElement(kind, "", stmt.loc, parent=scope.element, environment=scope.environment)
            if not words:
                self.error(stmt.loc, f"{stmt.words[0]} needs the identifier of the element it deploys")
                return
            self.instances.append((el, words[0], stmt, scope))
            # containerInstance <id> [deploymentGroups] [tags]: the last string may be tags.
            if len(words) >= 3:
                el.tags.extend(_split_tags(words[2]))
        else:
            names = _ARGUMENTS[kind]
            el = WsElement(
                kind,
                words[0] if words else "",
                locs[0] if locs else stmt.loc,
                parent=scope.element,
                environment=scope.environment,
            )
            for key, value in defaults.items():
                el.attrs[key] = (value, stmt.loc)
            el.tags.extend(tags)
            for name, value, loc in zip(names[1:], words[1:], locs[1:], strict=False):
                if name == "tags":
                    el.tags.extend(_split_tags(value))
                    el.tag_locs.setdefault(loc, value)
                elif value:
                    el.attrs[name] = (value, loc)
            if len(words) > len(names):
                self.skip(
                    locs[len(names)],
                    f"{stmt.words[0]}: more arguments than pacelc reads ({excerpt(words[len(names)])})",
                )
        self.ws.elements.append(el)
        if scope.element is not None:
            scope.element.children.append(el)
        if full:
            if full in self.ids:
                self.error(
                    stmt.locs[0] if ident else stmt.loc,
                    f"identifier {excerpt(full)} is already used at {self.ids[full].loc}",
                )
            else:
                self.ids[full] = el
        if stmt.block is not None:
            self.block(stmt.block, _Scope(kind, el, full or scope.ident, scope.environment))

    def attribute(self, keyword: str, stmt: Stmt, el: WsElement) -> None:
        if len(stmt.words) < 2:
            self.error(stmt.loc, f"{stmt.words[0]} needs a value")
            return
        if keyword in ("tags", "tag"):
            for value, loc in zip(stmt.words[1:], stmt.locs[1:], strict=False):
                el.tags.extend(_split_tags(value))
                el.tag_locs.setdefault(loc, value)
        else:
            el.attrs[keyword] = (stmt.words[1], stmt.locs[1])

    def archetype(self, ident: str | None, stmt: Stmt) -> None:
        base = stmt.words[0].lower()
        if ident is None or (base not in _ELEMENTS and base not in self.archetypes and base != "group"):
            self.skip(stmt.loc, f"archetype {excerpt(' '.join(stmt.words))}: not read by pacelc")
            return
        if base == "group":
            self.archetypes[ident.lower()] = ("group", {}, [])
            return
        kind, defaults, tags = self.archetypes[base] if base in self.archetypes else (_ELEMENTS[base], {}, [])
        defaults, tags = dict(defaults), list(tags)
        for inner in stmt.block or []:
            key = inner.words[0].lower()
            if key in ("tag", "tags"):
                tags.extend(t for w in inner.words[1:] for t in _split_tags(w))
            elif key in ("description", "technology") and len(inner.words) > 1:
                defaults[key] = inner.words[1]
        self.archetypes[ident.lower()] = (kind, defaults, tags)

    def include(self, stmt: Stmt, scope: _Scope) -> None:
        if len(stmt.words) < 2:
            self.error(stmt.loc, "!include needs a file")
            return
        target = stmt.words[1]
        if re.match(r"[a-z]+://", target, re.I):
            self.error(
                stmt.locs[1],
                f"!include {excerpt(target)}: pacelc does not fetch URLs; include a file of the workspace's folder",
            )
            return
        # Relative to the including file (its shown path is relative to the working directory).
        path = (FsPath(stmt.loc.file).parent / target).resolve()
        try:
            path.relative_to(self.root)
        except ValueError:
            self.error(
                stmt.locs[1],
                f"!include {excerpt(target)} is outside the workspace's folder {shown_path(self.root)}: refused",
            )
            return
        if self.include_depth >= 16:
            self.error(stmt.locs[1], f"!include {excerpt(target)}: includes nested more than 16 deep (a cycle?)")
            return
        files = sorted(p for p in path.rglob("*.dsl") if not p.name.startswith(".")) if path.is_dir() else [path]
        for file in files:
            shown = shown_path(file)
            text, errors = yamlfile.read_text(file, shown)
            if text is None:
                self.error(
                    stmt.locs[1], f"!include {excerpt(target)}: {errors[0].message if errors else 'cannot read'}"
                )
                continue
            stmts, errors = parse_text(text, shown)
            self.ws.errors.extend(errors)
            self.ws.included.append(shown)
            self.include_depth += 1
            self.block(stmts, scope)
            self.include_depth -= 1

    # -- identifiers, once everything is read

    def resolve(self, name: str, scope: _Scope, this: WsElement | None) -> WsElement | None:
        name = name.lower()
        if name == "this":
            return this
        prefix = scope.ident
        while prefix:
            if f"{prefix}.{name}" in self.ids:
                return self.ids[f"{prefix}.{name}"]
            prefix = prefix.rpartition(".")[0]
        return self.ids.get(name)

    def finish(self) -> None:
        for el, name, stmt, scope in self.instances:
            target = self.resolve(name, scope, None)
            want = "container" if el.kind == "containerInstance" else "softwareSystem"
            if target is None or target.kind != want:
                what = "no element" if target is None else f"a {target.kind}, not a {want}"
                self.error(stmt.locs[1], f"{stmt.words[0]} {excerpt(name)}: {what} has that identifier")
                el.kind = "unresolved"
                continue
            el.instance_of = target
            el.name = target.name
        for p in self.pending:
            self.relationship(p)

    def relationship(self, p: _Pending) -> None:
        words, kinds, locs = p.words, p.stmt.kinds, p.stmt.locs
        arrow = kinds.index("ARROW")
        if arrow > 1:
            self.skip(locs[0], f"{excerpt(' '.join(words))}: not a relationship pacelc reads")
            return
        source = p.source if arrow == 0 else self.resolve(words[0], p.scope, p.source)
        if len(words) <= arrow + 1:
            self.error(locs[arrow], "a relationship needs a destination after `->`")
            return
        dest = self.resolve(words[arrow + 1], p.scope, p.source)
        for end, name, loc in (
            (source, words[0] if arrow else "(this)", locs[0]),
            (dest, words[arrow + 1], locs[arrow + 1]),
        ):
            if end is None:
                self.error(loc, f"relationship: no element has the identifier {excerpt(name)}")
        if source is None or dest is None:
            return
        rest = words[arrow + 2 :]
        rel = Relationship(source, dest, locs[0], environment=p.scope.environment)
        for key, value, loc in zip(("description", "technology", "tags"), rest, locs[arrow + 2 :], strict=False):
            if key == "tags":
                rel.tags.extend(_split_tags(value))
            elif value:
                rel.attrs[key] = (value, loc)
        for inner in p.stmt.block or []:
            key = inner.words[0].lower()
            if key in ("description", "technology") and len(inner.words) > 1:
                rel.attrs[key] = (inner.words[1], inner.locs[1])
            elif key in ("tags", "tag"):
                rel.tags.extend(t for w in inner.words[1:] for t in _split_tags(w))
        self.ws.relationships.append(rel)


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def read_dsl(path: FsPath, shown: str, text: str) -> Workspace:
    """A DSL workspace file as a `Workspace`; its errors in `errors` (never raised)."""
    ws = Workspace(shown, Loc(shown, 1, 1), "dsl")
    stmts, errors = parse_text(text, shown)
    ws.errors.extend(errors)
    if errors:
        return ws
    top = next((s for s in stmts if s.words and s.words[0].lower() == "workspace"), None)
    if top is None:
        ws.errors.append(ModelError(Loc(shown, 1, 1), "no `workspace { }` in this file"))
        return ws
    if len(top.words) > 1 and top.words[1].lower() == "extends":
        ws.errors.append(ModelError(top.locs[1], "workspace extends: not supported yet; give the base workspace"))
        return ws
    if len(top.words) > 1:
        ws.name, ws.name_loc = top.words[1], top.locs[1]
    for extra in stmts:
        if extra is not top:
            ws.errors.append(ModelError(extra.loc, "only one `workspace { }` per file: this is outside it"))
    reader = _Reader(path.resolve().parent, ws)
    reader.block(top.block or [], _Scope("workspace", None, None, None))
    reader.finish()
    ws.errors.sort(key=lambda e: e.loc or Loc("", 0, 0))  # in file order, as a reader fixes them
    return ws
