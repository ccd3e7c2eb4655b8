#!/usr/bin/env python3
"""Markdown API reference for the protos, from a buf image in JSON.

Usage: gen_api_docs.py IMAGE.json OUTDIR

IMAGE.json is `buf build -o IMAGE.json` (a FileDescriptorSet with source info: the
comments). Writes OUTDIR/README.md (one line per package) and OUTDIR/<package>.md (its
services and RPCs, messages and enums, each with its comment). Only files under llo/ are
documented; types from elsewhere (google.protobuf) link to their reference. The output
depends on the protos only (declaration order, no timestamps), so `--check` can diff it.
Standard library only.
"""

import json
import os
import re
import sys

SOURCE_ROOT = "proto"  # buf.yaml's module path, relative to the repository root
OUT_TO_ROOT = "../.."  # from docs/api/ back to the repository root
DOCUMENTED_PREFIX = "llo/"

# FileDescriptorProto / DescriptorProto / ... field numbers, as used in source info paths.
FILE_PACKAGE, FILE_MESSAGE, FILE_ENUM, FILE_SERVICE, FILE_SYNTAX = 2, 4, 5, 6, 12
MSG_FIELD, MSG_NESTED, MSG_ENUM = 2, 3, 4
ENUM_VALUE = 2
SERVICE_METHOD = 2

WELL_KNOWN = "https://protobuf.dev/reference/protobuf/google.protobuf/#"

missing = []  # elements without a comment (buf lint COMMENTS should prevent any)


# --- comments --------------------------------------------------------------------------

def comment_lines(text):
    """A comment as lines, without the one space after `//` and trailing blank lines."""
    if not text:
        return []
    lines = [line[1:] if line.startswith(" ") else line for line in text.split("\n")]
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def escape_text(text):
    """Escapes Markdown and HTML syntax outside `code spans`; code spans stay as written."""
    out, pos = [], 0
    for m in CODE_SPAN.finditer(text):
        out.append(_escape_plain(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(s):
    s = s.replace("\\", "\\\\")
    s = s.replace("<", "\\<").replace(">", "\\>").replace("*", "\\*")
    # `_` only where it could start or end emphasis (intraword `_` is plain text).
    s = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)
    return s


def paragraphs(text):
    """A comment as Markdown block text: line breaks kept, blank lines between paragraphs."""
    out = []
    for line in comment_lines(text):
        line = escape_text(line)
        # Lines that Markdown would read as a heading or a setext underline.
        if re.match(r"\s*#", line) or re.fullmatch(r"\s*(=+|-{2,})\s*", line):
            line = "\\" + line.lstrip()
        out.append(line)
    return "\n".join(out)


def cell(text):
    """A comment in one table cell: lines joined with spaces, `|` escaped."""
    words = " ".join(line.strip() for line in comment_lines(text) if line.strip())
    return escape_text(words).replace("|", "\\|")


# --- the image -------------------------------------------------------------------------

class Element:
    """A documented element: its full name, kind, file and comment."""

    def __init__(self, kind, full_name, proto, file, path):
        self.kind, self.full_name, self.proto, self.file = kind, full_name, proto, file
        self.path = tuple(path)
        self.comment = file.comments.get(self.path, "")
        if not comment_lines(self.comment):
            missing.append(f"{file.name}: {kind} {full_name}")


class File:
    def __init__(self, proto):
        self.proto = proto
        self.name = proto["name"]
        self.package = proto.get("package", "")
        self.comments, detached = {}, {}
        locations = proto.get("sourceCodeInfo", {}).get("location", [])
        for loc in locations:
            path = tuple(loc.get("path", []))
            if "leadingComments" in loc:
                self.comments[path] = loc["leadingComments"]
            if loc.get("leadingDetachedComments"):
                detached[path] = (loc.get("span", [0])[0], loc["leadingDetachedComments"])
        self.comment = self._file_comment(detached)

    def _file_comment(self, detached):
        """The file's own comment: on `syntax` or `package`, or detached above the first
        top-level definition (a comment block followed by a blank line)."""
        parts = [self.comments.get((FILE_SYNTAX,), ""), self.comments.get((FILE_PACKAGE,), "")]
        for path in [(FILE_SYNTAX,), (FILE_PACKAGE,)]:
            parts += detached.get(path, (0, []))[1]
        top = [(line, blocks) for path, (line, blocks) in detached.items()
               if len(path) == 2 and path[0] in (FILE_MESSAGE, FILE_ENUM, FILE_SERVICE)]
        if top:
            parts += min(top, key=lambda t: t[0])[1]
        return "\n\n".join("\n".join(comment_lines(p)) for p in parts if comment_lines(p))


class Package:
    def __init__(self, name):
        self.name = name
        self.files, self.services, self.messages, self.enums = [], [], [], []

    @property
    def page(self):
        return f"{self.name}.md"

    def rpc_count(self):
        return sum(len(s.methods) for s in self.services)


class Model:
    def __init__(self, image):
        self.types = {}  # ".pkg.Name" -> Element (messages and enums, all files)
        self.packages = {}
        files = sorted((File(f) for f in image["file"]), key=lambda f: f.name)
        for f in files:
            documented = f.name.startswith(DOCUMENTED_PREFIX)
            if documented:
                pkg = self.packages.setdefault(f.package, Package(f.package))
                pkg.files.append(f)
            prefix = f.package
            for i, m in enumerate(f.proto.get("messageType", [])):
                self._message(f, prefix, m, [FILE_MESSAGE, i], pkg if documented else None)
            for i, e in enumerate(f.proto.get("enumType", [])):
                self._enum(f, prefix, e, [FILE_ENUM, i], pkg if documented else None)
            if not documented:
                continue
            for i, s in enumerate(f.proto.get("service", [])):
                svc = Element("service", f"{prefix}.{s['name']}", s, f, [FILE_SERVICE, i])
                svc.methods = [
                    Element("rpc", f"{svc.full_name}.{r['name']}", r, f,
                            [FILE_SERVICE, i, SERVICE_METHOD, j])
                    for j, r in enumerate(s.get("method", []))]
                pkg.services.append(svc)

    def _message(self, f, prefix, m, path, pkg):
        full = f"{prefix}.{m['name']}"
        is_map_entry = m.get("options", {}).get("mapEntry", False)
        if pkg is None or is_map_entry:
            el = _Quiet("message", full, m, f, path)
        else:
            el = Element("message", full, m, f, path)
        el.map_entry = is_map_entry
        self.types["." + full] = el
        el.fields = [] if is_map_entry or pkg is None else [
            Element("field", f"{full}.{fd['name']}", fd, f, path + [MSG_FIELD, j])
            for j, fd in enumerate(m.get("field", []))]
        if pkg is not None and not is_map_entry:
            pkg.messages.append(el)
        for i, n in enumerate(m.get("nestedType", [])):
            self._message(f, full, n, path + [MSG_NESTED, i], pkg)
        for i, e in enumerate(m.get("enumType", [])):
            self._enum(f, full, e, path + [MSG_ENUM, i], pkg)

    def _enum(self, f, prefix, e, path, pkg):
        full = f"{prefix}.{e['name']}"
        el = (Element if pkg is not None else _Quiet)("enum", full, e, f, path)
        self.types["." + full] = el
        el.values = [] if pkg is None else [
            Element("enum value", f"{full}.{v['name']}", v, f, path + [ENUM_VALUE, j])
            for j, v in enumerate(e.get("value", []))]
        if pkg is not None:
            pkg.enums.append(el)


class _Quiet(Element):
    """An element that is not documented here (imported, or a map's entry type)."""

    def __init__(self, kind, full_name, proto, file, path):
        self.kind, self.full_name, self.proto, self.file = kind, full_name, proto, file
        self.path, self.comment = tuple(path), ""


# --- rendering -------------------------------------------------------------------------

def anchor(full_name):
    return f'<a name="{full_name}"></a>'


def short_name(el):
    """The name within its package (`Outer.Inner` for a nested type)."""
    return el.full_name[len(el.file.package) + 1:]


def kebab(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Renderer:
    def __init__(self, model):
        self.model = model

    def type_link(self, type_name, from_pkg):
        el = self.model.types.get(type_name)
        name = type_name.lstrip(".")
        if el is None:
            return f"`{name}`"
        if not el.file.name.startswith(DOCUMENTED_PREFIX):
            if el.file.package == "google.protobuf":
                return f"[`{name}`]({WELL_KNOWN}{kebab(short_name(el))})"
            return f"`{name}`"
        if el.file.package == from_pkg.name:
            return f"[`{short_name(el)}`](#{el.full_name})"
        return f"[`{name}`]({el.file.package}.md#{el.full_name})"

    def field_type(self, fd, pkg):
        """(type cell, label cell) of a field."""
        t = fd.get("type", "")
        if t in ("TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP"):
            target = self.model.types.get(fd.get("typeName", ""))
            if target is not None and getattr(target, "map_entry", False):
                key, value = target.proto["field"][0], target.proto["field"][1]
                kt, _ = self.field_type(key, pkg)
                vt, _ = self.field_type(value, pkg)
                return f"map\\<{kt}, {vt}\\>", "map"
            type_cell = self.type_link(fd.get("typeName", ""), pkg)
        else:
            type_cell = f"`{t.removeprefix('TYPE_').lower()}`"
        labels = []
        if fd.get("label") == "LABEL_REPEATED":
            labels.append("repeated")
        elif fd.get("label") == "LABEL_REQUIRED":
            labels.append("required")
        elif fd.get("proto3Optional"):
            labels.append("optional")
        return type_cell, " ".join(labels)

    def package_page(self, pkg):
        out = [f"# {pkg.name}", ""]
        out += ["Generated from the protos by `scripts/gen-api-docs`; do not edit by hand.", ""]
        for f in pkg.files:
            src = f"{SOURCE_ROOT}/{f.name}"
            out.append(f"**[`{src}`]({OUT_TO_ROOT}/{src})**")
            out.append("")
            if f.comment:
                out += [paragraphs(f.comment), ""]
        out += self.contents(pkg)
        if pkg.services:
            out += ["## Services", ""]
            for svc in pkg.services:
                out += self.service(svc, pkg)
        if pkg.messages:
            out += ["## Messages", ""]
            for m in pkg.messages:
                out += self.message(m, pkg)
        if pkg.enums:
            out += ["## Enums", ""]
            for e in pkg.enums:
                out += self.enum(e)
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"

    def contents(self, pkg):
        def links(els):
            return ", ".join(f"[{short_name(e)}](#{e.full_name})" for e in els)
        out = []
        for svc in pkg.services:
            out.append(f"- Service [{short_name(svc)}](#{svc.full_name}): "
                       + ", ".join(f"[{r.proto['name']}](#{r.full_name})" for r in svc.methods))
        if pkg.messages:
            out.append(f"- Messages: {links(pkg.messages)}")
        if pkg.enums:
            out.append(f"- Enums: {links(pkg.enums)}")
        return out + [""]

    def service(self, svc, pkg):
        out = [anchor(svc.full_name), f"### {short_name(svc)}", ""]
        if svc.comment:
            out += [paragraphs(svc.comment), ""]
        for r in svc.methods:
            p = r.proto
            req = self.type_link(p["inputType"], pkg)
            resp = self.type_link(p["outputType"], pkg)
            client, server = p.get("clientStreaming", False), p.get("serverStreaming", False)
            sig = f"{'stream ' if client else ''}{req} → {'stream ' if server else ''}{resp}"
            kind = {(True, False): "client streaming", (False, True): "server streaming",
                    (True, True): "bidirectional streaming"}.get((client, server))
            if kind:
                sig += f" ({kind})"
            out += [anchor(r.full_name), f"#### {p['name']}", "", sig, ""]
            if r.comment:
                out += [paragraphs(r.comment), ""]
        return out

    def message(self, m, pkg):
        out = [anchor(m.full_name), f"### {short_name(m)}", ""]
        if m.comment:
            out += [paragraphs(m.comment), ""]
        if not m.fields:
            return out + ["No fields.", ""]
        oneofs = [o["name"] for o in m.proto.get("oneofDecl", [])]
        out += ["| Field | Type | Label | Description |", "| --- | --- | --- | --- |"]
        for fd in m.fields:
            type_cell, label = self.field_type(fd.proto, pkg)
            idx = fd.proto.get("oneofIndex")
            if idx is not None and not fd.proto.get("proto3Optional"):
                label = f"oneof `{oneofs[idx]}`"
            if fd.proto.get("options", {}).get("deprecated"):
                label = (label + " deprecated").strip()
            out.append(f"| `{fd.proto['name']}` | {type_cell} | {label} | {cell(fd.comment)} |")
        return out + [""]

    def enum(self, e):
        out = [anchor(e.full_name), f"### {short_name(e)}", ""]
        if e.comment:
            out += [paragraphs(e.comment), ""]
        out += ["| Value | Number | Description |", "| --- | --- | --- |"]
        for v in e.values:
            out.append(f"| `{v.proto['name']}` | {v.proto.get('number', 0)} | {cell(v.comment)} |")
        return out + [""]

    def index(self, packages):
        out = ["# LLO suite API reference", ""]
        out += [
            "The gRPC API and the integration events, generated from the protos under",
            f"[`{SOURCE_ROOT}/llo/`]({OUT_TO_ROOT}/{SOURCE_ROOT}/llo) by `scripts/gen-api-docs`;",
            "do not edit by hand. CI (`scripts/gen-api-docs --check`) fails when these pages",
            "are out of date with the protos.",
            "",
        ]
        for pkg in packages:
            if pkg.services:
                what = "; ".join(
                    f"[{short_name(s)}]({pkg.page}#{s.full_name}) ({len(s.methods)} RPCs)"
                    for s in pkg.services)
            else:
                what = "no service (" + ", ".join(
                    f"`{os.path.basename(f.name)}`" for f in pkg.files) + ")"
            counts = f"{len(pkg.messages)} messages, {len(pkg.enums)} enums"
            out.append(f"- [{pkg.name}]({pkg.page}): {what}; {counts}")
        return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    with open(argv[1], encoding="utf-8") as fh:
        model = Model(json.load(fh))
    packages = [model.packages[name] for name in sorted(model.packages)]
    render = Renderer(model)
    os.makedirs(argv[2], exist_ok=True)
    pages = {"README.md": render.index(packages)}
    for pkg in packages:
        pages[pkg.page] = render.package_page(pkg)
    for name, text in pages.items():
        with open(os.path.join(argv[2], name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    for m in missing:
        print(f"gen-api-docs: warning: no comment on {m}", file=sys.stderr)
    rpcs = sum(p.rpc_count() for p in packages)
    print(f"{len(packages)} packages, {sum(len(p.services) for p in packages)} services, "
          f"{rpcs} RPCs, {sum(len(p.messages) for p in packages)} messages, "
          f"{sum(len(p.enums) for p in packages)} enums")


if __name__ == "__main__":
    main(sys.argv)
