"""{% load site_i18n %}: {{ code|language_tag }} gives a Django language code as a BCP 47 tag
(zh-hant -> zh-Hant), for lang and hreflang attributes."""

from __future__ import annotations

from django import template

from apps.core.locale import html_lang

register = template.Library()


@register.filter
def language_tag(code: str) -> str:
    return html_lang(code)
