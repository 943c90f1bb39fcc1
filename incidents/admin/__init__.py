"""The commander's admin: incidents (the cockpit), severities and components. Importing the package
registers them; other packages register their own ModelAdmins from their own admin modules."""

from incidents.admin import incident, severity

__all__ = ["incident", "severity"]
