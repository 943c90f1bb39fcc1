from django import template

from incidents.library import selectors
from incidents.library.models import QuickReferenceLink

register = template.Library()


@register.simple_tag
def quick_reference_links() -> list[QuickReferenceLink]:
    return selectors.quick_reference()
