"""Post-incident review: post-mortems, review meetings and action items (runbook section 4)."""
