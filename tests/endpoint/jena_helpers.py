"""Apache Jena as a client of the endpoint: Debian's `libapache-jena-java` jars, run with java.

`jena_or_reason()` gives a `Jena` whose `run(main_class, *args)` starts one of Jena's
commands (`arq.rsparql`, `arq.rupdate`) or `BearerUpdate` (`jena/BearerUpdate.java`,
compiled at first use into `.museum-kg/jena/`); it gives None and the reason, for a
skip, when java or the jars are absent (`apt-get install libapache-jena-java`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from museum_kg.paths import DEFAULT_STATE_DIR

JARS_DIR = Path("/usr/share/java")
# Jena's query and update modules and the libraries they load (Debian's jar names)
JARS = (
    *("jena-arq", "jena-base", "jena-core", "jena-iri", "jena-cmds"),
    *("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io"),
    *("commons-lang3", "dexx.collection", "gson", "guava", "protobuf", "thrift"),
    *("jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java"),
    *("titanium-json-ld", "jakarta.json-api", "slf4j-api", "slf4j-simple"),
)
STATE = DEFAULT_STATE_DIR / "jena"
SOURCE = Path(__file__).parent / "jena" / "BearerUpdate.java"
# light JVM settings: each run is one short command
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m")
EMBEDDED_XERCES = "org/apache/jena/ext/xerces/"


@dataclass(frozen=True)
class Jena:
    classpath: tuple[Path, ...]

    def run(self, main: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = ["java", *JVM_OPTIONS, "-cp", os.pathsep.join(map(str, self.classpath))]
        return subprocess.run([*command, main, *args], capture_output=True, text=True, timeout=120)

    def with_bearer_update(self) -> tuple[Jena | None, str]:
        """This Jena with `BearerUpdate` on its class path (compiled once), or the reason."""
        if not shutil.which("javac"):
            return None, "javac (a JDK) is not installed, so BearerUpdate cannot be compiled"
        digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
        classes = STATE / f"classes-{digest}"
        if not (classes / "BearerUpdate.class").exists():
            STATE.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(dir=STATE))
            done = subprocess.run(
                ["javac", "-cp", os.pathsep.join(map(str, self.classpath))]
                + ["-d", str(scratch), str(SOURCE)],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if done.returncode != 0:
                return None, f"javac could not compile {SOURCE.name}: {done.stderr[-500:]}"
            _publish(scratch, classes)
        return Jena((classes, *self.classpath)), ""


def jena_or_reason() -> tuple[Jena | None, str]:
    if not shutil.which("java"):
        return None, "java is not installed, so the Jena client tests cannot run"
    missing = [name for name in JARS if not (JARS_DIR / f"{name}.jar").exists()]
    if missing:
        named = ", ".join(f"{name}.jar" for name in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        return None, (
            f"Jena's jars are not in {JARS_DIR} (missing {named}{more}): "
            "apt-get install libapache-jena-java"
        )
    jars = tuple(JARS_DIR / f"{name}.jar" for name in JARS)
    messages = _xerces_messages(JARS_DIR / "jena-core.jar")
    return Jena(jars if messages is None else (messages, *jars)), ""


def _xerces_messages(core: Path) -> Path | None:
    """A folder to put on the class path when Jena's embedded XML Schema code cannot start.

    Debian's jena-core jar (4.5.0-2) holds the embedded Xerces classes in the package
    `xerces`, but their message files stay under `org/apache/jena/ext/xerces/`, where the
    classes do not look: every Jena command then dies at start-up ("internal error" in
    `XSSimpleTypeDecl`). The folder has the same files where the classes look for them.
    None when the jar is laid out as released upstream.
    """
    with zipfile.ZipFile(core) as jar:
        names = set(jar.namelist())
        if "xerces/impl/dv/xs/XSSimpleTypeDecl.class" not in names:
            return None
        moved = [n for n in names if n.startswith(EMBEDDED_XERCES) and n.endswith(".properties")]
        wanted = {"xerces/" + n.removeprefix(EMBEDDED_XERCES): n for n in moved}
        if all(target in names for target in wanted):
            return None
        folder = STATE / f"xerces-messages-{hashlib.sha256(core.read_bytes()).hexdigest()[:16]}"
        if not folder.is_dir():
            STATE.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(dir=STATE))
            for target, source in wanted.items():
                (scratch / target).parent.mkdir(parents=True, exist_ok=True)
                (scratch / target).write_bytes(jar.read(source))
            _publish(scratch, folder)
    return folder


def _publish(scratch: Path, final: Path) -> None:
    """Move a finished folder into place; a concurrent run that got there first wins."""
    try:
        scratch.rename(final)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)
