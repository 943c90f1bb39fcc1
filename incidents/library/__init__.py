"""The runbook's library: playbooks, communication templates and the quick reference, offered in the
cockpit through panels (subscribed from `LibraryConfig.ready()`)."""
