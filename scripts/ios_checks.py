#!/usr/bin/env python3
"""What can be checked of the iOS app without a Swift toolchain.

1. Every hand-written Swift file parses (tree-sitter-swift). The generated bindings are
   skipped: the grammar rejects uniffi's `@_documentation` attributes, and
   `scripts/gen-bindings.sh --check` proves those files are what uniffi produces.
2. The app's Info.plist declares exactly the usage descriptions the features need, worded
   for the privacy policy's purposes, no background location and no background modes
   beyond the allowed set.
3. The hand-written Swift uses only names that exist: every type and member it names is
   declared in the hand-written Swift, in the generated bindings, or in
   `ios/apple-sdk-names.txt` (the Apple SDK and Swift standard library names the shell
   uses). A core API renamed or removed therefore fails here, not first in Xcode.
4. The XcodeGen spec `ios/App/project.yml` parses, every path it names exists (sources and
   their excludes, the local package, Info.plist, entitlements), the Info.plist it names is
   one checked above, its entitlements file holds what the spec writes (with
   `aps-environment`, as the app registers for push), every Swift file of the app is in a
   target's sources, and the app's module is not named like the package's (`Companion`).

Usage: scripts/ios_checks.py   (run by scripts/test.sh through scripts/ios-checks.sh)
"""

from __future__ import annotations

import plistlib
import re
import sys
from pathlib import Path

import tree_sitter as ts
import tree_sitter_swift as tss
import yaml

REPO = Path(__file__).resolve().parent.parent
IOS = REPO / "ios"
GENERATED = IOS / "Sources" / "Companion" / "Generated"
SDK_NAMES = IOS / "apple-sdk-names.txt"
INFO_PLISTS = sorted(IOS.glob("App/**/Info.plist"))
PROJECT = IOS / "App" / "project.yml"

PARSER = ts.Parser(ts.Language(tss.language()))


def hand_written() -> list[Path]:
    return sorted(p for p in IOS.rglob("*.swift") if GENERATED not in p.parents and ".build" not in p.parts)


def walk(node):
    yield node
    for child in node.children:
        yield from walk(child)


def parse_errors(path: Path) -> list[str]:
    tree = PARSER.parse(path.read_bytes())
    out = []
    for n in walk(tree.root_node):
        if n.type == "ERROR" or n.is_missing:
            r, c = n.start_point
            out.append(f"{path.relative_to(REPO)}:{r + 1}:{c + 1}: {'missing ' + n.type if n.is_missing else 'syntax error'}")
    return out


# --- 2. Info.plist -------------------------------------------------------------------------

# Each key, and the words its text must contain (the purpose the policy allows).
REQUIRED_USAGE = {
    "NSCameraUsageDescription": ["scan", "photo"],
    "NSLocationWhenInUseUsageDescription": ["deliver"],
}
TEMPORARY_ACCURACY_KEY = "NSLocationTemporaryUsageDescriptionDictionary"
FORBIDDEN_KEYS = {
    "NSLocationAlwaysUsageDescription",
    "NSLocationAlwaysAndWhenInUseUsageDescription",
    "NSLocationUsageDescription",
    "NSMicrophoneUsageDescription",
    "NSContactsUsageDescription",
    "NSPhotoLibraryUsageDescription",
    "NSBluetoothAlwaysUsageDescription",
    "NSUserTrackingUsageDescription",
    "NSFaceIDUsageDescription",
}
# Remote notifications may wake the app to sync after a stock or assignment push; nothing
# else runs in the background, and never location.
ALLOWED_BACKGROUND_MODES = {"remote-notification"}


def check_info_plist(path: Path) -> list[str]:
    errors = []
    rel = path.relative_to(REPO) if REPO in path.parents else path
    with path.open("rb") as f:
        plist = plistlib.load(f)
    usage_keys = {k for k in plist if k.endswith("UsageDescription")}
    for key, words in REQUIRED_USAGE.items():
        text = plist.get(key)
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{rel}: {key} missing")
            continue
        for w in words:
            if w not in text.lower():
                errors.append(f"{rel}: {key} should say what it is for ('{w}'): {text!r}")
    extra = usage_keys - set(REQUIRED_USAGE)
    if extra:
        errors.append(f"{rel}: usage descriptions no feature needs: {sorted(extra)}")
    for key in FORBIDDEN_KEYS & set(plist):
        errors.append(f"{rel}: {key} must not be declared (policy: no background location, no unused permissions)")
    temp = plist.get(TEMPORARY_ACCURACY_KEY)
    if not isinstance(temp, dict) or "ProofOfDelivery" not in temp:
        errors.append(f"{rel}: {TEMPORARY_ACCURACY_KEY} needs a 'ProofOfDelivery' purpose for temporary full accuracy")
    elif "deliver" not in str(temp["ProofOfDelivery"]).lower():
        errors.append(f"{rel}: the ProofOfDelivery accuracy purpose should say it is for the delivery")
    modes = set(plist.get("UIBackgroundModes", []))
    if "location" in modes:
        errors.append(f"{rel}: UIBackgroundModes must not contain 'location'")
    if modes - ALLOWED_BACKGROUND_MODES:
        errors.append(f"{rel}: background modes no feature needs: {sorted(modes - ALLOWED_BACKGROUND_MODES)}")
    if modes != ALLOWED_BACKGROUND_MODES:
        errors.append(f"{rel}: UIBackgroundModes should be exactly {sorted(ALLOWED_BACKGROUND_MODES)}, got {sorted(modes)}")
    if plist.get("NSAppTransportSecurity", {}).get("NSAllowsArbitraryLoads"):
        errors.append(f"{rel}: NSAllowsArbitraryLoads breaks the TLS-in-transit promise")
    return errors


# --- 3. names used against names declared --------------------------------------------------

DECL_RE = re.compile(
    r"\b(?:func|class|struct|enum|protocol|typealias|case|var|let|actor)\s+`?([A-Za-z_][A-Za-z0-9_]*)"
)
LABEL_RE = re.compile(r"[(,]\s*([a-z][A-Za-z0-9_]*)\s*:")


def generated_names() -> set[str]:
    names: set[str] = set()
    for p in GENERATED.glob("*.swift"):
        text = p.read_text()
        names.update(DECL_RE.findall(text))
        names.update(LABEL_RE.findall(text))
    return names


def text_of(node, src: bytes) -> str:
    return src[node.start_byte:node.end_byte].decode()


def declared_and_used(path: Path) -> tuple[set[str], list[tuple[str, int]]]:
    src = path.read_bytes()
    tree = PARSER.parse(src)
    declared: set[str] = set(DECL_RE.findall(src.decode()))
    declared.update(LABEL_RE.findall(src.decode()))
    used: list[tuple[str, int]] = []
    for n in walk(tree.root_node):
        if n.type == "navigation_suffix":
            for c in n.children:
                if c.type == "simple_identifier":
                    used.append((text_of(c, src), n.start_point[0] + 1))
        elif n.type == "type_identifier":
            used.append((text_of(n, src), n.start_point[0] + 1))
        elif n.type == "call_expression" and n.children and n.children[0].type == "simple_identifier":
            used.append((text_of(n.children[0], src), n.start_point[0] + 1))
        elif n.type == "type_parameter":
            # A generic parameter (`<Element>`) is declared by its own code.
            for c in n.children:
                if c.type == "type_identifier":
                    declared.add(text_of(c, src))
        elif n.type in ("parameter", "function_declaration", "class_declaration", "protocol_declaration"):
            for c in n.children:
                if c.type in ("simple_identifier", "type_identifier"):
                    declared.add(text_of(c, src))
    return declared, used


SWIFT_WORDS = {"self", "Self", "init", "super", "defer", "async", "default", "unchecked", "Any", "Void", "Sendable"}


def check_names(files: list[Path]) -> list[str]:
    allowed = generated_names() | SWIFT_WORDS
    if SDK_NAMES.exists():
        allowed.update(w for w in SDK_NAMES.read_text().split() if not w.startswith("#"))
    per_file = {p: declared_and_used(p) for p in files}
    for declared, _ in per_file.values():
        allowed.update(declared)
    errors = []
    for p, (_, used) in per_file.items():
        for name, line in used:
            if name not in allowed and not name.startswith("$"):
                errors.append(
                    f"{p.relative_to(REPO)}:{line}: '{name}' is neither in the generated bindings, nor declared in the "
                    f"hand-written Swift, nor in ios/apple-sdk-names.txt"
                )
    return errors


# --- 4. the XcodeGen project ------------------------------------------------------------------

PACKAGE_MODULE = "Companion"
MIN_IOS = (16, 0)


def _version(text) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(text).split("."))
    except ValueError:
        return ()


def _sources(target: dict) -> list[tuple[str, list[str]]]:
    out = []
    for entry in target.get("sources") or []:
        if isinstance(entry, str):
            out.append((entry, []))
        elif isinstance(entry, dict) and "path" in entry:
            out.append((str(entry["path"]), [str(e) for e in entry.get("excludes") or []]))
    return out


def check_project(spec: object, base: Path, rel: str = "ios/App/project.yml") -> list[str]:
    """What `xcodegen generate` and the first build would trip on, without a Mac."""
    errors: list[str] = []
    if not isinstance(spec, dict):
        return [f"{rel}: not a YAML mapping"]
    targets = spec.get("targets")
    if not isinstance(targets, dict) or not targets:
        return [f"{rel}: no targets"]
    packages = spec.get("packages") or {}
    for name, pkg in packages.items():
        if isinstance(pkg, dict) and "path" in pkg:
            path = (base / str(pkg["path"])).resolve()
            if not (path / "Package.swift").is_file():
                errors.append(f"{rel}: package {name}: {pkg['path']} has no Package.swift")
    info_plists = {p.resolve() for p in INFO_PLISTS}
    app_swift = {p.resolve() for p in (IOS / "App").rglob("*.swift")} if base.resolve() == (IOS / "App").resolve() else set()
    covered: set[Path] = set()
    for tname, target in targets.items():
        if not isinstance(target, dict):
            errors.append(f"{rel}: target {tname} is not a mapping")
            continue
        for src, excludes in _sources(target):
            root = (base / src).resolve()
            if not root.exists():
                errors.append(f"{rel}: target {tname}: source {src} does not exist")
                continue
            excluded = set()
            for ex in excludes:
                matches = list(root.glob(ex))
                if not matches:
                    errors.append(f"{rel}: target {tname}: exclude {src}/{ex} matches nothing")
                excluded.update(m.resolve() for m in matches)
            files = [root] if root.is_file() else list(root.rglob("*.swift"))
            covered.update(f.resolve() for f in files if f.resolve() not in excluded)
        for dep in target.get("dependencies") or []:
            if isinstance(dep, dict) and "package" in dep and dep["package"] not in packages:
                errors.append(f"{rel}: target {tname}: dependency on undeclared package {dep['package']}")
        settings = (target.get("settings") or {}).get("base") or {}
        deployment = target.get("deploymentTarget") or (spec.get("options") or {}).get("deploymentTarget", {}).get("iOS")
        if target.get("type") == "application":
            if _version(deployment) < MIN_IOS:
                errors.append(f"{rel}: target {tname}: deployment target {deployment!r}, expected iOS {'.'.join(map(str, MIN_IOS))}+")
            module = settings.get("PRODUCT_MODULE_NAME") or settings.get("PRODUCT_NAME") or tname
            if module == PACKAGE_MODULE:
                errors.append(f"{rel}: target {tname}: its module is named {module}, like the package's library: "
                              f"`import {PACKAGE_MODULE}` in the app would import the app itself")
            info = settings.get("INFOPLIST_FILE")
            if not info:
                errors.append(f"{rel}: target {tname}: no INFOPLIST_FILE (the checked Info.plist must be the one built)")
            elif not (base / str(info)).is_file():
                errors.append(f"{rel}: target {tname}: INFOPLIST_FILE {info} does not exist")
            elif (base / str(info)).resolve() not in info_plists:
                errors.append(f"{rel}: target {tname}: INFOPLIST_FILE {info} is not an Info.plist this script checks")
            if str(settings.get("GENERATE_INFOPLIST_FILE", "NO")).upper() not in ("NO", "FALSE"):
                errors.append(f"{rel}: target {tname}: GENERATE_INFOPLIST_FILE must be NO (the Info.plist is hand-written)")
            if "info" in target:
                errors.append(f"{rel}: target {tname}: `info:` would make xcodegen overwrite the hand-written Info.plist")
        entitlements = target.get("entitlements")
        ent_path = entitlements.get("path") if isinstance(entitlements, dict) else None
        sign = settings.get("CODE_SIGN_ENTITLEMENTS")
        if sign and ent_path and Path(str(sign)) != Path(str(ent_path)):
            errors.append(f"{rel}: target {tname}: CODE_SIGN_ENTITLEMENTS {sign} is not entitlements.path {ent_path}")
        for ent in {str(p) for p in (ent_path, sign) if p}:
            path = base / ent
            if not path.is_file():
                errors.append(f"{rel}: target {tname}: entitlements {ent} does not exist")
                continue
            try:
                with path.open("rb") as f:
                    held = plistlib.load(f)
            except Exception as e:  # noqa: BLE001 - any unreadable plist is the finding
                errors.append(f"{rel}: target {tname}: entitlements {ent} is not a plist: {e}")
                continue
            written = entitlements.get("properties") if isinstance(entitlements, dict) else None
            if written is not None and held != written:
                errors.append(f"{rel}: target {tname}: {ent} differs from the properties xcodegen writes into it")
            if target.get("type") == "application" and held.get("aps-environment") not in ("development", "production"):
                errors.append(f"{rel}: target {tname}: {ent} needs aps-environment (the app registers for push)")
        if target.get("type") == "application" and not (ent_path or sign):
            errors.append(f"{rel}: target {tname}: no entitlements (aps-environment is needed for push)")
    for missing in sorted(app_swift - covered):
        errors.append(f"{rel}: {missing.relative_to(REPO)} is in no target's sources")
    return errors


def project_errors() -> list[str]:
    if not PROJECT.exists():
        return [f"{PROJECT.relative_to(REPO)} not found"]
    try:
        spec = yaml.safe_load(PROJECT.read_text())
    except yaml.YAMLError as e:
        return [f"{PROJECT.relative_to(REPO)}: does not parse: {e}"]
    return check_project(spec, PROJECT.parent)


def project_self_test() -> list[str]:
    """The project rules must catch what they exist for: each broken copy yields an error."""
    import copy

    spec = yaml.safe_load(PROJECT.read_text())
    app = next(n for n, t in spec["targets"].items() if t.get("type") == "application")

    def target(s):
        return s["targets"][app]

    broken = {
        "a missing source folder": lambda s: target(s)["sources"].append("NoSuchFolder"),
        "a stale exclude": lambda s: target(s)["sources"][0].setdefault("excludes", []).append("Gone.swift"),
        "a missing package": lambda s: s["packages"][next(iter(s["packages"]))].update(path="../nowhere"),
        "a missing Info.plist": lambda s: target(s)["settings"]["base"].update(INFOPLIST_FILE="Companion/Missing.plist"),
        "the module named Companion": lambda s: target(s)["settings"]["base"].update(PRODUCT_MODULE_NAME="Companion"),
        "missing entitlements": lambda s: target(s)["entitlements"].update(path="Companion/None.entitlements"),
        "entitlements unlike the spec": lambda s: target(s)["entitlements"]["properties"].update({"aps-environment": "production"}),
        "iOS 15": lambda s: target(s).update(deploymentTarget="15.0"),
        "a generated Info.plist": lambda s: target(s)["settings"]["base"].update(GENERATE_INFOPLIST_FILE="YES"),
    }
    failures = []
    for name, mutate in broken.items():
        s = copy.deepcopy(spec)
        mutate(s)
        if not check_project(s, PROJECT.parent):
            failures.append(f"self-test: a project.yml with {name} passed the check")
    return failures


def self_test() -> list[str]:
    """The plist rules must catch what they exist for: each broken copy yields an error."""
    import copy
    import tempfile

    base_path = INFO_PLISTS[0]
    with base_path.open("rb") as f:
        base = plistlib.load(f)
    broken = {
        "always location": lambda p: p.update(NSLocationAlwaysAndWhenInUseUsageDescription="x"),
        "background location": lambda p: p["UIBackgroundModes"].append("location"),
        "extra background mode": lambda p: p["UIBackgroundModes"].append("audio"),
        "no camera purpose": lambda p: p.update(NSCameraUsageDescription="Companion needs the camera."),
        "no temporary accuracy": lambda p: p.pop(TEMPORARY_ACCURACY_KEY),
        "unused permission": lambda p: p.update(NSMicrophoneUsageDescription="x"),
        "arbitrary loads": lambda p: p.update(NSAppTransportSecurity={"NSAllowsArbitraryLoads": True}),
    }
    failures = []
    with tempfile.TemporaryDirectory() as d:
        for name, mutate in broken.items():
            p = copy.deepcopy(base)
            mutate(p)
            path = Path(d) / "Info.plist"
            with path.open("wb") as f:
                plistlib.dump(p, f)
            try:
                errs = check_info_plist(path)
            finally:
                path.unlink()
            if not errs:
                failures.append(f"self-test: a plist with {name} passed the check")
    return failures


def main() -> int:
    files = hand_written()
    errors: list[str] = []
    for f in files:
        errors += parse_errors(f)
    if not INFO_PLISTS:
        errors.append("ios/App/**/Info.plist not found")
    for plist in INFO_PLISTS:
        errors += check_info_plist(plist)
    errors += check_names(files)
    if INFO_PLISTS:
        errors += self_test()
    errors += project_errors()
    if PROJECT.exists() and not errors:
        errors += project_self_test()
    for e in errors:
        print(e, file=sys.stderr)
    checks = len(files) + len(INFO_PLISTS) + 2
    print(f"ios-checks: {len(files)} Swift files parsed, {len(INFO_PLISTS)} Info.plist checked, names cross-checked, "
          f"{PROJECT.relative_to(REPO)} checked")
    print(f"ios-checks: {checks - (1 if errors else 0)} passed, {1 if errors else 0} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
