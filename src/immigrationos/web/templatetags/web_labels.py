"""Template filters: human labels for status, rule, flag and protection codes, record anchors."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from immigrationos.labels import code_label

register = template.Library()

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9.:-]")


register.filter("code_label", code_label)


@register.filter
def coded(code: object) -> SafeString:
    """Return the label of ``code`` followed by the code itself in small text, as HTML.

    The code stays on the page so that officers and analysts can find it with the
    browser's text search and match it to the policy and rule files.
    """
    text = str(code or "")
    label = code_label(text)
    if not text:
        return format_html("{}", "")
    if label == text:
        return format_html('<span class="coded">{}</span>', text)
    return format_html(
        '<span class="coded" title="{}">{} <small class="code">{}</small></span>',
        text,
        label,
        text,
    )


@register.filter
def record_anchor(record_uid: object) -> str:
    """Return the HTML id of a record's row on its person page.

    Characters other than letters, digits, ".", ":" and "-" become "_<hex>_", so distinct
    record ids always give distinct anchors.
    """
    text = str(record_uid)
    return "record-" + _ANCHOR_UNSAFE.sub(lambda match: f"_{ord(match.group()):x}_", text)
