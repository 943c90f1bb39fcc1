"""Paging: escalation policies, rotations and overrides, who is on call, and the runbook's clocks on
every incident (subscribed to `incidents.hooks`)."""
