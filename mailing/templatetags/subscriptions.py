"""``{% subscribe_form %}``: the footer's subscribe form, on every page."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from mailing.forms import SubscribeForm

register = template.Library()


@register.simple_tag(takes_context=True)
def subscribe_form(context: template.Context) -> SafeString:
    request = getattr(context, "request", None)
    form = SubscribeForm(auto_id="subscribe_%s")
    return render_to_string("mailing/subscriptions/_form.html", {"form": form}, request=request)
