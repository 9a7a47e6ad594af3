"""Case attachments: size and type checks, a virus-scan hook, and storage by SHA-256.

A file is stored under ``<data folder>/attachments/<sha256[:2]>/<sha256>``. It is written to
a temporary file in that folder, scanned there, and renamed into place only when the scan
passes, so a reader never sees a partial or unscanned file under its final name. The type
is decided from the file's leading bytes, never from the name or the content type the
browser sent.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from immigrationos.access.policy import OFFICER, SUPERVISOR
from immigrationos.access.roles import user_role_get
from immigrationos.audit.models import Outcome
from immigrationos.cases.conf import attachment_max_bytes, attachment_scan_command
from immigrationos.cases.errors import AttachmentRejected
from immigrationos.cases.models import Case, CaseAttachment, CaseEvent, CaseEventKind
from immigrationos.cases.workflow import actor_audit, watchers_notify
from immigrationos.paths import data_home

logger = logging.getLogger(__name__)

# NOTE: a guess at how long a scan of a 10 MiB file may take, not a measured figure. A
# scanner still running after this many seconds is stopped, and the upload is rejected.
SCAN_TIMEOUT_SECONDS = 120
FILENAME_MAX_CHARS = 255
DESCRIPTION_MAX_CHARS = 500

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain; charset=utf-8"
ACCEPTED_TYPES_TEXT = "PDF, PNG, JPEG or plain UTF-8 text"

# Leading bytes of each accepted binary type (PDF 1.7, ISO 32000-1 section 7.5.2; PNG, RFC
# 2083 section 3.1; JPEG, the SOI marker followed by the first marker's 0xFF).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
# Control characters allowed in plain text: tab, line feed, form feed, carriage return.
_TEXT_CONTROLS_ALLOWED = frozenset("\t\n\f\r")


@dataclass(frozen=True)
class _Inspected:
    """Size, SHA-256 and content type of an upload, from the first pass over it."""

    size: int
    sha256: str
    content_type: str


def attachments_root() -> Path:
    """Return the folder that contains every stored attachment."""
    return data_home() / "attachments"


def attachment_path(*, sha256: str) -> Path:
    """Return where the attachment with this SHA-256 hex digest is stored."""
    return attachments_root() / sha256[:2] / sha256


def filename_display(name: str) -> str:
    """Return ``name`` safe to show and to offer as a download name.

    Drops any folder part, control and format characters (which include the bidirectional
    overrides that can disguise an extension), and collapses whitespace. An empty result
    becomes "attachment".
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    kept = "".join(char for char in base if unicodedata.category(char)[0] != "C")
    kept = " ".join(kept.split()).strip(" .")
    if len(kept) > FILENAME_MAX_CHARS:
        stem, dot, extension = kept.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            kept = stem[: FILENAME_MAX_CHARS - len(extension) - 1] + "." + extension
        else:
            kept = kept[:FILENAME_MAX_CHARS]
    return kept or "attachment"


# The extension a download gets for each accepted type, whatever the uploaded name was.
EXTENSIONS: dict[str, str] = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TEXT: ".txt"}


def download_name(*, filename: str, content_type: str) -> str:
    """Return ``filename`` with the extension of the type the file's bytes showed.

    An HTML page uploaded as ``notes.html`` is stored as text, so it downloads as
    ``notes.html.txt`` and no program opens it as a page.
    """
    extension = EXTENSIONS.get(content_type, ".bin")
    if filename.lower().endswith(extension) or (
        extension == ".jpg" and filename.lower().endswith(".jpeg")
    ):
        return filename
    return filename + extension


def content_type_sniff(head: bytes) -> str | None:
    """Return the binary type that ``head`` (a file's first bytes) starts with, or None."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _inspect(chunks: Iterable[bytes], *, max_bytes: int) -> _Inspected:
    """Hash and size the upload, and decide its type; raise AttachmentRejected when it is
    empty, too large or of a type not accepted."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise AttachmentRejected(
                f"the file is larger than the limit of {max_bytes:,} bytes; attach a smaller "
                "file or split it",
                code="too_large",
            )
        digest.update(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        if is_text:
            is_text = _text_chunk_ok(decoder, chunk, final=False)
    if size == 0:
        raise AttachmentRejected("the file is empty; choose a file to attach", code="empty")
    content_type = content_type_sniff(head)
    if content_type is None and is_text and _text_chunk_ok(decoder, b"", final=True):
        content_type = TEXT
    if content_type is None:
        raise AttachmentRejected(
            f"the file's contents are not {ACCEPTED_TYPES_TEXT}; the type is read from the "
            "file itself, not from its name",
            code="type",
        )
    return _Inspected(size=size, sha256=digest.hexdigest(), content_type=content_type)


def _text_chunk_ok(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool) -> bool:
    try:
        text = decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return not any(
        unicodedata.category(char) == "Cc" and char not in _TEXT_CONTROLS_ALLOWED for char in text
    )


def _scan(path: Path) -> tuple[str, str]:
    """Run the configured scanner on ``path`` and return (scan result, detail).

    Raises AttachmentRejected for an infected file (exit status 1) and for a scanner that
    fails, times out or cannot be started.
    """
    template = attachment_scan_command()
    if template is None:
        return CaseAttachment.Scan.NOT_SCANNED, "no scanner configured"
    argv = [arg.replace("{path}", str(path)) for arg in template]
    try:
        result = subprocess.run(
            argv, capture_output=True, timeout=SCAN_TIMEOUT_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("attachment scanner %r failed to run: %s", template[0], exc)
        raise AttachmentRejected(
            "the virus scanner failed, so the file was not stored; try again later or tell "
            "an administrator",
            code="scanner_failed",
        ) from exc
    if result.returncode == 0:
        return CaseAttachment.Scan.CLEAN, f"{Path(template[0]).name}: clean"
    if result.returncode == 1:
        raise AttachmentRejected(
            "the virus scanner found malware in the file, so it was not stored",
            code="infected",
        )
    logger.error(
        "attachment scanner %r exited with status %s: %s",
        template[0],
        result.returncode,
        result.stderr[-500:].decode("utf-8", "replace").strip(),
    )
    raise AttachmentRejected(
        "the virus scanner failed, so the file was not stored; try again later or tell an "
        "administrator",
        code="scanner_failed",
    )


def _store(chunks: Iterable[bytes], *, sha256: str) -> tuple[str, str]:
    """Write the file under its final folder, scan it, and rename it into place.

    Returns the scan result and detail. The temporary file is removed whatever happens.
    """
    target = attachment_path(sha256=sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        scan = _scan(temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return scan


def _duplicate_check(case: Case, *, sha256: str) -> None:
    """Raise AttachmentRejected when a file with this SHA-256 is already on ``case``."""
    existing = case.attachments.filter(sha256=sha256).order_by("uploaded_at", "id").first()
    if existing is None:
        return
    added_on = timezone.localdate(existing.uploaded_at).isoformat()
    raise AttachmentRejected(
        f"this file is already attached as {existing.filename} on {added_on}",
        code="duplicate",
    )


def case_attachment_add(
    *,
    case_id: int,
    actor: User,
    upload: object,
    filename: str,
    description: str = "",
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> CaseAttachment:
    """Check, scan and store an uploaded file, and record it on the case.

    ``upload`` is a Django UploadedFile (anything with ``chunks()`` and ``seek()``). Raises
    AttachmentRejected when the actor may not attach files, or when the file is empty, too
    large, of a type not accepted, already attached to the case (same SHA-256) or infected,
    or the scanner failed. Each rejection is recorded in the audit log, and nothing is
    stored.
    """
    now = now if now is not None else timezone.now()
    case = Case.objects.get(pk=case_id)
    try:
        if user_role_get(user=actor) not in (OFFICER, SUPERVISOR):
            raise AttachmentRejected(
                "only an officer or supervisor may attach a file to a case", code="role"
            )
        inspected = _inspect(upload.chunks(), max_bytes=attachment_max_bytes())  # type: ignore[attr-defined]
        _duplicate_check(case, sha256=inspected.sha256)
        upload.seek(0)  # type: ignore[attr-defined]
        scan, scan_detail = _store(upload.chunks(), sha256=inspected.sha256)  # type: ignore[attr-defined]
    except AttachmentRejected as exc:
        actor_audit(
            request,
            actor=actor,
            action="case_attachment_add",
            object_type="case",
            object_ids=[str(case.pk)],
            outcome=Outcome.DENIED if exc.code == "role" else Outcome.FAILED,
            details={"person_id": case.person_id, "rejected": exc.code},
        )
        raise

    filename_shown = filename_display(filename)
    with transaction.atomic():
        attachment = CaseAttachment.objects.create(
            case=case,
            uploaded_by=actor,
            uploaded_at=now,
            filename=filename_shown,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            description=" ".join(description.split())[:DESCRIPTION_MAX_CHARS],
            scan=scan,
            scan_detail=scan_detail[:500],
        )
        CaseEvent.objects.create(
            case=case,
            actor=actor,
            at=now,
            from_state=case.state,
            to_state=case.state,
            reason=f"attachment added: {filename_shown}",
            kind=CaseEventKind.ATTACHMENT,
            data={"attachment_id": attachment.pk},
        )
        watchers_notify(case, actor=actor, now=now, what="attachment added")
        actor_audit(
            request,
            actor=actor,
            action="case_attachment_add",
            object_type="case",
            object_ids=[str(case.pk)],
            details={
                "person_id": case.person_id,
                "attachment_id": attachment.pk,
                "sha256": attachment.sha256,
                "scan": attachment.scan,
            },
        )
    return attachment
